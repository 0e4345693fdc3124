"""How a file's bytes become text: its byte-order mark, else UTF-8, else cp1252, and files that mix the two.

A file is read in one encoding, detected from the whole file (:func:`detect_encoding`). An export that is UTF-8 but
for a few bytes of cp1252 (rows pasted from another system) is common: read as cp1252, every UTF-8 accent of it would
turn to mojibake ("cafÃ©"). Such a file is read as :data:`MIXED`, a codec registered here: UTF-8, where each byte
that is not UTF-8 is read as cp1252 (as latin-1 for the five bytes cp1252 leaves undefined), and a leading UTF-8
byte-order mark is dropped (Excel's "CSV UTF-8" writes one). A file is read so only when its stray bytes are few
beside its UTF-8 characters: cp1252 text has the odd pair of bytes that reads as UTF-8 ("Qualité »", "CAFÉ’S").
A file that is not UTF-8 is read as cp1252, or, where it holds one of the five bytes cp1252 leaves undefined, as
:data:`CP1252_LATIN1`: cp1252 but for those, each read as latin-1 reads it.
"""

from __future__ import annotations

import codecs
import io
import re
from functools import partial
from pathlib import Path
from typing import IO

from ._chunk import open_binary

__all__ = [
    "CP1252_LATIN1",
    "MIXED",
    "UTF8_UNTIL_NOT",
    "NotUtf8",
    "detect_encoding",
    "from_spreadsheet",
    "has_mark",
    "open_text",
    "reads_alike",
    "undecodable_at",
]

#: The codec of a file that is UTF-8 but for some bytes of cp1252.
MIXED = "utf-8+cp1252"
#: The codec of a file in cp1252 but for some of the five bytes it leaves undefined (each read as latin-1 reads it): a
#: stray byte in a Windows export, or another Windows code page (cp1250's "ť"), whose other bytes cp1252 reads as its
#: own curly quotes, dashes and letters ("š", "ž") where latin-1 makes control characters of them all.
CP1252_LATIN1 = "cp1252+latin-1"
_HANDLER = "tpmclassify.cp1252"
#: Each byte as cp1252 reads it (as latin-1 for the five it leaves undefined): the character at its index, a decoding
#: table for ``codecs.charmap_decode``.
_CP1252 = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256))


def _as_cp1252(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the bytes UTF-8 cannot read, read as cp1252."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return "".join(_CP1252[b] for b in err.object[err.start : err.end]), err.end


class _MixedDecoder(codecs.BufferedIncrementalDecoder):
    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self._first = True  # a byte-order mark may start the input

    def _buffer_decode(self, data: bytes, errors: str, final: bool) -> tuple[str, int]:  # type: ignore[override]
        if not self._first:
            return codecs.utf_8_decode(data, _HANDLER, final)
        if len(data) < len(codecs.BOM_UTF8) and codecs.BOM_UTF8.startswith(data) and not final:
            return "", 0  # perhaps a mark: wait for more
        self._first = False
        skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        text, used = codecs.utf_8_decode(data[skip:], _HANDLER, final)
        return text, used + skip

    def reset(self) -> None:
        super().reset()
        self._first = True


#: The codec of a file read as UTF-8 before its encoding is known (``_io.read_chunks``): UTF-8, whose decoder raises
#: :class:`NotUtf8` at the first byte UTF-8 cannot read.
UTF8_UNTIL_NOT = "utf-8+until-not"


class NotUtf8(UnicodeDecodeError):
    """A byte UTF-8 cannot read, in a file read as :data:`UTF8_UNTIL_NOT`; ``ascii_before``: whether all the text read
    before it was ASCII."""

    ascii_before: bool


class _UntilNotDecoder(codecs.BufferedIncrementalDecoder):
    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self.ascii = True  # all the text given so far is ASCII

    def _buffer_decode(self, data: bytes, errors: str, final: bool) -> tuple[str, int]:  # type: ignore[override]
        try:
            text, used = codecs.utf_8_decode(data, "strict", final)
        except UnicodeDecodeError as err:
            raise _not_utf8(err, self.ascii) from None
        self.ascii = self.ascii and text.isascii()  # (O(1): a string knows whether it is ASCII)
        return text, used

    def reset(self) -> None:
        super().reset()
        self.ascii = True


def _not_utf8(err: UnicodeDecodeError, ascii_before: bool) -> NotUtf8:
    found = NotUtf8(err.encoding, err.object, err.start, err.end, err.reason)
    found.ascii_before = ascii_before
    return found


def _decode_whole(
    decoder: type[codecs.BufferedIncrementalDecoder], data: bytes, errors: str = "strict"
) -> tuple[str, int]:
    """A codec's decoding of a whole text: its incremental decoder's, in one go."""
    return decoder().decode(data, final=True), len(data)


class _Cp1252Decoder(codecs.BufferedIncrementalDecoder):
    def _buffer_decode(self, data: bytes, errors: str, final: bool) -> tuple[str, int]:  # type: ignore[override]
        return codecs.charmap_decode(data, errors, _CP1252)  # (a byte a character: nothing is ever held)


#: This module's codecs, by the name codecs.lookup passes: their names and incremental decoders.
_CODECS: dict[str, tuple[str, type[codecs.BufferedIncrementalDecoder]]] = {
    "utf_8_cp1252": (MIXED, _MixedDecoder),
    "utf_8_until_not": (UTF8_UNTIL_NOT, _UntilNotDecoder),
    "cp1252_latin_1": (CP1252_LATIN1, _Cp1252Decoder),
}


def _search(name: str) -> codecs.CodecInfo | None:
    if name not in _CODECS:
        return None
    codec, decoder = _CODECS[name]
    utf8 = codecs.lookup("utf-8")
    return codecs.CodecInfo(
        name=codec,
        encode=utf8.encode,
        decode=partial(_decode_whole, decoder),
        incrementalencoder=utf8.incrementalencoder,
        incrementaldecoder=decoder,
    )


codecs.register_error(_HANDLER, _as_cp1252)
codecs.register(_search)

#: The encodings a file without a byte-order mark is tried in, in order (then :data:`CP1252_LATIN1`, which reads any
#: bytes).
_TRIED = ("utf-8", "cp1252")
#: A file is read as MIXED when its bytes that are not UTF-8 are fewer than this share of its UTF-8 characters' bytes.
_STRAY_SHARE = 0.05
#: A character of two to four bytes in UTF-8 (bytes cp1252 text seldom has in a row).
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
#: The UTF-8 characters English and European postings use most, by their first bytes: U+00A0 to U+00FF (C2 A0 to C3
#: BF: accented letters, the no-break space; not C2 80 to C2 9F, control codes no posting means) and U+2000 to U+2FFF
#: (E2: curly quotes, dashes, bullets, "™"). In cp1252 they are "Â", "Ã" or "â" before one of its punctuation marks or
#: accented capitals, which its text seldom has; the other pairs of bytes that read as UTF-8 turn up in it ("é »" with
#: a no-break space, "É’"), and read as a character no posting means.
_COMMON = re.compile(rb"\xc2[\xa0-\xbf]|\xc3[\x80-\xbf]|\xe2[\x80-\xbf]{2}")
_HIGH = bytes(range(0x80, 0x100))


def _marked(head: bytes) -> str | None:
    """The encoding a file's byte-order mark names, if it starts with one."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # (before UTF-16: FF FE starts both)
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _mostly_utf8(f: IO[bytes]) -> bool:
    """Whether the file is UTF-8 text with stray cp1252 bytes, not cp1252 text with the odd pair of bytes that
    happens to read as UTF-8: its non-ASCII bytes are UTF-8 characters but for a few (under :data:`_STRAY_SHARE`),
    or its UTF-8 characters are mostly the commonest ones (:data:`_COMMON`) and outnumber its stray bytes, as in a
    small export with a handful of curly quotes and one stray byte (a cp1252 file has a stray byte for each of its
    accents, and seldom a pair of bytes that reads as one of those characters)."""
    f.seek(0)
    utf8 = other = common = characters = 0
    for block in iter(lambda: f.read(1 << 20), b""):  # (a character cut by a block's end is not counted)
        found = _UTF8_SEQUENCE.findall(block)
        in_sequences = sum(map(len, found))
        utf8 += in_sequences
        other += len(block) - len(block.translate(None, _HIGH)) - in_sequences
        characters += len(found)
        common += sum(1 for m in found if _COMMON.fullmatch(m))
    return other < _STRAY_SHARE * utf8 or (2 * common >= characters and common > other)


def _detect(f: IO[bytes]) -> str:
    """The encoding of a binary file, read from its start (see :func:`detect_encoding`)."""
    marked = _marked(f.read(4))
    if marked == "utf-32":  # FF FE 00 00 is also UTF-16 starting with a NUL: UTF-32 only if it reads as such
        f.seek(0)
        head = f.read(1 << 12)
        try:
            codecs.decode(head[: len(head) - len(head) % 4], "utf-32")
        except UnicodeDecodeError:
            return "utf-16"
        return marked
    if marked == "utf-16":
        return marked
    for enc in _TRIED if marked is None else (marked,):  # a UTF-8 mark: UTF-8, or UTF-8 with stray bytes
        f.seek(0)
        dec = codecs.getincrementaldecoder(enc)()
        try:
            for block in iter(lambda: f.read(1 << 20), b""):
                dec.decode(block)
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            if enc != "cp1252" and _mostly_utf8(f):
                return MIXED
            continue
        return enc
    return marked or CP1252_LATIN1  # (a mark not followed by what it names: refused when read)


def has_mark(path: Path) -> bool:
    """Whether a table file begins with a byte-order mark."""
    with open_binary(path) as f:
        return _marked(f.read(4)) is not None


def reads_alike(encoding: str, ascii_before: bool) -> bool:
    """Whether text read as UTF-8 before a byte UTF-8 cannot read (:class:`NotUtf8`) reads the same in ``encoding``,
    the file's as :func:`detect_encoding` finds it: ASCII does in any, other text only in :data:`MIXED`.

    Examples
    --------
    >>> reads_alike(MIXED, False), reads_alike("cp1252", True), reads_alike("cp1252", False)
    (True, True, False)
    """
    return ascii_before or encoding == MIXED


def detect_encoding(path: Path) -> str:
    """The encoding of a table file: UTF-8 (with or without BOM) if the whole file decodes; else :data:`MIXED` if its
    non-ASCII bytes are UTF-8 but for a few; else cp1252, else :data:`CP1252_LATIN1` (UTF-16 and UTF-32 need a BOM).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> utf8 = "caf\\u00e9, na\\u00efve, r\\u00e9sum\\u00e9\\n".encode()
    >>> _ = p.write_bytes(utf8 * 10 + b"Caf\\xe9\\n")  # a row in cp1252
    >>> lines = p.read_text(encoding=detect_encoding(p)).splitlines()
    >>> detect_encoding(p), lines[0], lines[-1]
    ('utf-8+cp1252', 'café, naïve, résumé', 'Café')
    """
    with open_binary(path) as f:
        return _detect(f)


def open_text(path: str | Path | IO[bytes]) -> IO[str]:
    """A text file of one posting (a path, or a binary file open at its start, such as standard input's bytes), open
    for reading, decoded as :func:`detect_encoding` decodes a table file (never decompressed, whatever its name; a
    byte the encoding cannot read is replaced).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "posting.txt"
    >>> _ = p.write_bytes("Caf\\u00e9 fit-out".encode("utf-16"))
    >>> with open_text(p) as f:
    ...     f.read()
    'Café fit-out'
    """
    raw: IO[bytes] = open(path, "rb") if isinstance(path, str | Path) else path  # noqa: SIM115 (the wrapper closes it)
    try:
        enc = _detect(raw)
        raw.seek(0)
        return io.TextIOWrapper(raw, encoding=enc, errors="replace")
    except BaseException:
        raw.close()
        raise


def from_spreadsheet(encoding: str | None) -> bool:
    """Whether text read in ``encoding`` came in anything but plain UTF-8 (after a byte-order mark, or in UTF-16,
    cp1252, :data:`CP1252_LATIN1` or :data:`MIXED`): a spreadsheet's export, and spreadsheets read a CSV as UTF-8
    only after a byte-order mark, so what is written back for them begins with one.

    Examples
    --------
    >>> [from_spreadsheet(e) for e in (None, "utf-8", "UTF8", "us-ascii", "utf-8-sig", "cp1252", MIXED, "utf-16")]
    [False, False, False, False, True, True, True, True]
    """
    if encoding is None:
        return False
    try:
        name = codecs.lookup(encoding).name
    except LookupError:  # (not a codec: nothing was read in it)
        return False
    return name not in ("utf-8", "ascii")


def undecodable_at(path: Path, encoding: str) -> tuple[int, int] | None:
    r"""Where ``path`` first holds bytes ``encoding`` cannot read: the byte's offset in the (decompressed) file and
    its line, counted from 1; ``None`` if it reads whole. A decode error's own position is within a reader's buffer.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "postings.csv"
    >>> _ = path.write_bytes("id,description\n1,Caf\u00e9\n2,Caf".encode() + b"\xe9\n")
    >>> undecodable_at(path, "utf-8")
    (28, 3)
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, lines = 0, 1
    with open_binary(path) as f:
        while block := f.read(1 << 20):
            pending = decoder.getstate()[0]
            try:
                lines += decoder.decode(block).count("\n")
            except UnicodeDecodeError as err:
                before = (pending + block)[: err.start]
                lines += codecs.getincrementaldecoder(encoding)(errors="replace").decode(before).count("\n")
                return offset - len(pending) + err.start, lines
            offset += len(block)
    return None
