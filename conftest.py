"""Doctests make their example files with ``tempfile.mkdtemp()``, as a reader would: here those folders go under each
doctest's own ``tmp_path`` (which pytest removes in time), so no run leaves a folder in the system's temp folder."""

from __future__ import annotations

import tempfile

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctest_temp_folders(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if isinstance(request.node, DoctestItem):
        monkeypatch.setattr(tempfile, "tempdir", str(request.getfixturevalue("tmp_path")))
