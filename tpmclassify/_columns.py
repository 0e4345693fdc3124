"""A table's columns: the columns a run adds, which one holds the postings, and the checks every table path
makes of them (a DataFrame, a file, a Dask or Spark frame): before a row is read, and for JSON lines, whose keys come
line by line, at the file's end (:class:`LateKeys`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import count
from typing import Any

from ._errors import ColumnError, look_alike, missing_column, option_text, separator_hint
from ._io import BatchError
from ._roles import ROLES, TPM

__all__ = [
    "OUTPUT_COLUMNS",
    "OUTPUT_KINDS",
    "TEXT_COLUMN_CANDIDATES",
    "LateKeys",
    "check_clash",
    "check_columns",
    "check_prefix",
    "pick_text_column",
]

#: Columns a batch run adds to every row, and the kind of value each holds.
OUTPUT_KINDS = {
    **{f"{role}_probability": "float" for role in ROLES},
    "in_scope": "float",
    "label": "str",
    "needs_review": "bool",
    "reasons": "str",
    "title_label": "str",
    "content_label": "str",
    f"content_{TPM}_probability": "float",
    "title_mismatch": "bool",
    "error": "str",
}
OUTPUT_COLUMNS = tuple(OUTPUT_KINDS)
TEXT_COLUMN_CANDIDATES = ("description", "job_description", "text")


class LateKeys:
    """JSON lines name their keys line by line, so a key named on the command line may first come in a later chunk:
    of the named keys, those no line has had yet (refused only at the file's end, by :meth:`check`), and every key
    the lines have had. For other formats, a chunk's columns are the file's: nothing is held back.

    Examples
    --------
    >>> late = LateKeys(True, "body", None)
    >>> late.columns(["id", "draft"]), late.columns(["id", "body"]), late.unseen
    (['id', 'draft', 'body'], ['id', 'body'], [])
    """

    def __init__(self, jsonl: bool, text_column: str | None, title_column: str | None) -> None:
        self.text_column = text_column
        self.unseen = list(dict.fromkeys(name for name in (text_column, title_column) if name)) if jsonl else []
        self.keys: dict[str, None] = {}  # (the first _MAX_KEYS of them, for the message: memory stays bounded)
        self.more = False  # whether there were more

    def columns(self, columns: Sequence[Any]) -> list[Any]:
        """A chunk's columns, and the named keys no line has had yet (so that the first chunk's check passes), but
        when no text key is named and the chunk has none: the lines' own keys, which the text column is picked
        from (and refused with)."""
        if self.unseen:
            found = set(map(str, columns))
            self.unseen = [name for name in self.unseen if name not in found]
            for key in [k for k in dict.fromkeys(map(str, columns)) if k not in self.keys]:
                if len(self.keys) < _MAX_KEYS:
                    self.keys[key] = None
                else:
                    self.more = True
            if self.text_column is None and not any(str(c).lower() in TEXT_COLUMN_CANDIDATES for c in columns):
                return list(columns)  # the text column is picked from the lines' own keys: refused with those alone
        return [*columns, *self.unseen]

    def check(self) -> None:
        """Refuse a named key that no line had: a misspelt name, not rows without a text."""
        if not self.unseen:
            return
        if not self.keys:  # no line had a key at all
            raise ColumnError(_NO_COLUMNS)
        option = "text_column=" if self.unseen[0] == self.text_column else "title_column="
        keys = [*self.keys, *(["..."] if self.more else [])]
        raise missing_column(self.unseen[0], keys, option)


#: The keys of JSON lines a refusal lists at most.
_MAX_KEYS = 50
#: What a table without columns is told.
_NO_COLUMNS = (
    "no text column found: the table has no columns (a file with no rows, only blank lines or empty records, or whose "
    "first line is blank; JSON lines: none of the first lines read is an object with a key, nor a later one with a "
    "text key)"
)


def pick_text_column(columns: Sequence[str], text_column: str | None) -> str:
    """The text column: the one asked for, or the first of description/job_description/text."""
    if not len(columns):
        raise ColumnError(_NO_COLUMNS)
    if text_column is not None:
        if text_column not in columns:
            raise missing_column(text_column, columns, "text_column=")
        return text_column
    lower = {str(c).lower(): c for c in columns}
    for cand in TEXT_COLUMN_CANDIDATES:
        if cand in lower:
            return lower[cand]
    hint = separator_hint(list(columns)) or ". Name one with {opt:text_column=}"
    alike = next(filter(None, (look_alike(c, columns) for c in TEXT_COLUMN_CANDIDATES)), "")  # "description "
    raise ColumnError(
        f"no text column found (looked for {', '.join(TEXT_COLUMN_CANDIDATES)}); the columns are: "
        f"{', '.join(map(str, columns))}{hint}{alike}" + ("" if hint.endswith(")") else ".")
    )


def check_prefix(prefix: object) -> None:
    """Refuse a prefix for the added columns that is not a str."""
    if not isinstance(prefix, str):
        raise BatchError(f"prefix must be str, got {type(prefix).__name__}")


def check_clash(columns: Sequence[str], prefix: str, also: Sequence[str] = (), fold_case: bool = False) -> None:
    """Refuse input columns the output adds (:data:`OUTPUT_COLUMNS` and ``also``, each after ``prefix``); with
    ``fold_case``, whatever their case (an engine that resolves column names so, as Spark does by default)."""
    clash = _clashes(columns, prefix, also, fold_case)
    if clash:
        free = next(p for p in (f"pred{k}_" if k else "pred_" for k in count()) if not _clashes(columns, p, also, True))
        raise BatchError(
            f"the input already has column(s) {', '.join(clash)}, which the output adds; "
            "pass a prefix for the added columns, e.g. " + option_text(f"prefix={free!r}", f"--prefix {free}")
        )


def _clashes(columns: Sequence[str], prefix: str, also: Sequence[str], fold_case: bool) -> list[str]:
    """The input columns that :func:`check_clash` refuses, in their order."""
    added = {prefix + o for o in (*OUTPUT_COLUMNS, *also)}
    if fold_case:
        added = {name.casefold() for name in added}
        return [c for c in columns if str(c).casefold() in added]
    return [c for c in columns if c in added]


def check_columns(
    columns: Sequence[str],
    text_column: str | None,
    named: Iterable[tuple[str | None, str]] = (),
    header: Sequence[str] | None = None,
) -> str:
    """The text column of a table, once it and every other column it is read by (``named``: name and option pairs)
    are checked to be in the file once. ``columns``: the table's; ``header``: the file's own names, where the table
    had to rename repeated or empty ones (see :class:`~tpmclassify._chunk.Chunk`), so that a renamed copy
    (``description.1``) is not a column of the file."""
    names = list(columns if header is None else header)
    col = pick_text_column(names, text_column)
    for name, option in [(col, "text_column="), *named]:
        if name is None:
            continue
        if name not in names or name not in columns:
            raise missing_column(name, names, option)
        if name == col and option != "text_column=":  # the posting read as its own title, or its own label
            raise ColumnError(
                f"{{opt:{option}}} names the text column {name!r}; name another column (for it, or for the text "
                "with {opt:text_column=}: one may be a default)"
            )
        if names.count(name) > 1:
            raise BatchError(f"column {name!r} appears {names.count(name)} times in the header; rename all but one")
    return col
