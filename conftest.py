"""Doctests make their example files with ``tempfile.mkdtemp()``, as a reader would: here those folders go under each
doctest's own ``tmp_path`` (which pytest removes in time), so no run leaves a folder in the system's temp folder."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile

import pytest

# the Dask adapter's docstring example needs the [dask] extra: without it, its module is not collected (its tests
# skip themselves, saying so), so that the base install's doctests pass
collect_ignore = [] if importlib.util.find_spec("dask") else ["tpmclassify/dask.py"]

if os.environ.get("PYTEST_XDIST_WORKER"):  # one test process a core (pytest -n): each keeps to one thread
    # a second BLAS or OpenMP thread in each process has two processes' threads wait on each other's cores (a
    # cross-validating test took 21 s, against 2 s alone): set before numpy is imported here, and inherited by the
    # processes tests start (notebook kernels, CLI runs, pool workers); set whatever the machine set (a CI runner's 2
    # would bring the contention back)
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_name] = "1"
    if "numpy" in sys.modules:  # (imported first by a plugin: its libraries have read the environment already)
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)


@pytest.fixture(autouse=True)
def _doctest_temp_folders(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if type(request.node).__name__ == "DoctestItem":  # (pytest's class, not public: named, not imported)
        monkeypatch.setattr(tempfile, "tempdir", str(request.getfixturevalue("tmp_path")))
