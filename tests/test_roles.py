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
