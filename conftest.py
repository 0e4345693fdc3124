"""Doctests make their example files with ``tempfile.mkdtemp()``, as a reader would: here those folders go under each
doctest's own ``tmp_path`` (which pytest removes in time), so no run leaves a folder in the system's temp folder."""

from __future__ import annotations

import tempfile

import pytest


@pytest.fixture(autouse=True)
def _doctest_temp_folders(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if type(request.node).__name__ == "DoctestItem":  # (pytest's class, not public: named, not imported)
        monkeypatch.setattr(tempfile, "tempdir", str(request.getfixturevalue("tmp_path")))
