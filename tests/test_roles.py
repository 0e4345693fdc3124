"""One definition of the roles: the package spells a label only in ``_roles.py`` (and in its docs)."""

import ast
from pathlib import Path

import tpmclassify
from tpmclassify._roles import HYBRID, LABELS, OTHER, PROGRAM, ROLES

PACKAGE = Path(tpmclassify.__file__).parent
SPELLINGS = {*LABELS, PROGRAM}
#: Where one of those strings is a word, not a label: the yardstick's keyword list.
WORDS = {("_baselines.py", "program")}


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of a module, its classes and functions."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def test_no_module_but_the_roles_table_spells_a_label():
    """Classes, output columns, the persistence whitelist, the audit's tables and the CLI's help all take the
    labels from ``_roles.py``; a literal "tpm" elsewhere is a second definition waiting to disagree."""
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "_roles.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in SPELLINGS and id(node) not in docs:
                if (path.name, node.value) in WORDS:
                    continue
                found.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert not found, "\n".join(found)


def test_the_labels_are_the_roles_and_two_more():
    assert list(LABELS) == [*ROLES, HYBRID, OTHER]
    assert tpmclassify.OUTPUT_COLUMNS[:2] == tuple(f"{role}_probability" for role in ROLES)
    assert tpmclassify.default_model().classes_.tolist() == sorted([*ROLES, OTHER])


def test_an_export_s_misspelt_labels_are_all_named_and_a_wrong_column_is_said(postings):
    """An analyst's export spells labels its own way: each spelling is named at once (the error used to stop at
    five, hiding the sixth), and a column none of whose values is a label is said to be the wrong one."""
    import pytest

    texts = postings["description"].tolist() * 2
    spelt = ["Technical Program Manager", "Project Mgr", "Neither", "undecided", "Project Manager", "TPM lead"]
    labels = [*spelt, *postings["label"].tolist()[: len(texts) - len(spelt)]]
    with pytest.raises(tpmclassify.InvalidValueError) as err:
        tpmclassify.TPMClassifier().fit(texts, labels)
    assert all(repr(s.lower()) in str(err.value) for s in spelt) and "more" not in str(err.value)
    assert "wrong column" not in str(err.value)  # most values are labels: the column is right, its spellings not
    titles = [f"{t} {i}" for i, t in enumerate(postings["title"].tolist() * 2)]  # 20 values, none a label
    with pytest.raises(tpmclassify.InvalidValueError, match=r" and 10 more \(none is a label: the wrong column\?\)"):
        tpmclassify.TPMClassifier().fit(texts, titles)


def test_an_unknown_label_is_shown_whole_up_to_forty_characters_and_a_blank_column_is_said_to_be_blank(postings):
    """From a mutation run of ``_roles``: a label of 40 characters is named whole, one of 41 cut to 37 and "...";
    a column with no label at all is said to have none (how many rows), not to be the wrong column."""
    import pytest

    texts = postings["description"].tolist()
    for length, shown in ((40, "x" * 40), (41, "x" * 37 + "...")):
        labels = ["x" * length, *postings["label"].tolist()[1:]]
        with pytest.raises(tpmclassify.InvalidValueError) as err:
            tpmclassify.TPMClassifier().fit(texts, labels)
        assert f"unknown labels [{shown!r}];" in str(err.value)
    with pytest.raises(tpmclassify.InvalidValueError) as err:
        tpmclassify.TPMClassifier().fit(texts, [""] * len(texts))
    assert "(10 rows have no label: label them or drop them)" in str(err.value) and "wrong column" not in str(err.value)
