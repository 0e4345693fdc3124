"""Shared fixtures: the bundled model, a tiny model trained in about a second, the fixture postings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import tpmclassify

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "postings.csv"


@pytest.fixture(scope="session")
def postings() -> pd.DataFrame:
    """Ten realistic postings written for this project: 3 tpm, 3 pm, 4 other."""
    return pd.read_csv(DATA / "postings.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def small_model(postings: pd.DataFrame) -> tpmclassify.TPMClassifier:
    """A model trained on the fixture postings (fast; for invariants, not for accuracy)."""
    return tpmclassify.TPMClassifier(cv=2, min_df=1, min_groups=1).fit(
        postings["description"].tolist(), postings["label"].tolist()
    )


@pytest.fixture(scope="session")
def bundled() -> tpmclassify.TPMClassifier:
    return tpmclassify.default_model()


@pytest.fixture(scope="session")
def shared_postings() -> pd.DataFrame:
    if not SHARED.is_file():
        pytest.skip(f"needs the shared postings at {SHARED} (not part of a user's clone)")
    return pd.read_csv(SHARED, dtype=str, keep_default_na=False)


#: Run in a worker before it serves: at PHASE it does ACTION to itself (die: SIGKILL; stop: SIGSTOP).
_FAULT = """
import os, signal, struct, time
def fault():
    os.kill(os.getpid(), signal.SIGKILL if ACTION == "die" else signal.SIGSTOP)
    time.sleep(3600)
if PHASE == "starting":
    fault()
if PHASE == "receiving the model":  # half of the initializer's arguments read, then the fault
    def _read(pipe):
        n = struct.unpack("!Q", m._read_exactly(pipe, 8))[0]
        m._read_exactly(pipe, n // 2)
        fault()
    m._read = _read
if PHASE == "sending":  # half of the first answer written (the first message says ready), then the fault
    _write, calls = m._write, []
    def write(pipe, message):
        calls.append(1)
        if len(calls) == 2:
            frame = m._HEADER.pack(len(message)) + message
            pipe.write(frame[: len(frame) // 2])
            fault()
        _write(pipe, message)
    m._write = write
"""


@pytest.fixture
def worker_prelude(monkeypatch):
    """``worker_prelude(code_of)``: the k-th worker started from now on runs ``code_of(k)`` before it serves (``m``
    is the pool's module there, loaded from its file)."""
    from tpmclassify import _pool

    def inject(code_of: Callable[[int], str]) -> None:
        real, started = _pool._worker_command, []

        def command() -> list[str]:
            code = code_of(len(started))
            started.append(code)
            cmd = real()
            cmd[2] = cmd[2].replace("m.serve()", f"exec({code!r}); m.serve()")
            return cmd

        monkeypatch.setattr(_pool, "_worker_command", command)

    return inject


@pytest.fixture
def worker_fault(worker_prelude):
    """``worker_fault(phase, *actions)``: the workers started from now on fail at ``phase`` ("starting",
    "receiving the model", "sending"), the k-th by ``actions[k]`` ("die" or "stop"; the last one repeats)."""

    def inject(phase: str, *actions: str) -> None:
        worker_prelude(lambda k: f"PHASE, ACTION = {phase!r}, {actions[min(k, len(actions) - 1)]!r}\n" + _FAULT)

    return inject
