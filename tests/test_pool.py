"""The worker pool under failure: workers killed (SIGKILL), stopped (SIGSTOP) or hung at each phase of their life,
and a parent killed with SIGKILL. Real processes with light tasks (no model), so each case takes a fraction of a
second; the tester's full scenario (200k rows, kill -9 at a random moment, 20 times) is benchmarks/kill_workers.py."""

from __future__ import annotations

import operator
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tpmclassify import _pool
from tpmclassify._pool import _PER_WORKER, Pool, TaskFailed

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="POSIX signals")


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie nobody reaped is not running)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    except OSError:  # no /proc
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state not in ("Z", "X")


def _wait(condition, seconds: float = 30.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


#: The "model": enough bytes that sending them takes many writes (a pipe holds 64 KiB).
_INIT = (len, (b"m" * 2_000_000,))


def _stopped_in_time(pool: Pool, seconds: float = 5.0) -> None:
    """``pool.stop()`` returns within ``seconds`` and leaves no worker running."""
    pids = pool.pids
    t0 = time.monotonic()
    stopper = threading.Thread(target=pool.stop, daemon=True)
    stopper.start()
    stopper.join(seconds)
    assert not stopper.is_alive(), f"stop() still waiting after {seconds} s"
    assert pids and not any(_alive(p) for p in pids), "a worker process was left"
    assert time.monotonic() - t0 < seconds


def test_a_healthy_pool_answers_in_order_and_a_raising_task_fails_alone():
    pool = Pool(2, *_INIT)
    pool.start()
    try:
        assert _wait(lambda: all(w.ready.is_set() for w in pool._workers))
        tasks = []
        for i in range(2 * _PER_WORKER):  # as many as a worker holds, each: both have room
            task = pool.submit(operator.mul, (i, 7), 5.0)
            assert task is not None
            tasks.append(task)
        assert pool.submit(operator.mul, (9, 9), 5.0) is None  # no room: the caller does it
        assert [pool.result(t) for t in tasks] == [7 * i for i in range(2 * _PER_WORKER)]
        failing = pool.submit(operator.truediv, (1, 0), 5.0)
        with pytest.raises(TaskFailed, match="ZeroDivisionError"):
            pool.result(failing)
        assert pool.result(pool.submit(operator.add, (1, 2), 5.0)) == 3  # the worker is still there
    finally:
        _stopped_in_time(pool)


def test_a_pool_interrupted_while_it_starts_its_threads_still_stops(monkeypatch):
    """A signal's exception (SIGTERM's, Ctrl-C's) can land inside :meth:`Pool.start`, between the two threads of a
    worker: :meth:`Pool.stop` must still kill the workers and return, not fail joining the thread that never
    started (a run stopped so reported an internal error instead of its exit status)."""
    start, started = threading.Thread.start, []

    def interrupted(thread):
        started.append(thread.name)
        if len(started) == 2:  # the first worker's second thread
            raise KeyboardInterrupt
        start(thread)

    pool = Pool(2, *_INIT)
    monkeypatch.setattr(threading.Thread, "start", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pool.start()
    monkeypatch.undo()
    pids = pool.pids
    pool.stop()  # here, not in a thread: what it raises must fail the test
    assert len(pids) == 1 and not _alive(pids[0])


@pytest.mark.parametrize("action", ["die", "stop"])
@pytest.mark.parametrize("phase", ["starting", "receiving the model"])
def test_a_worker_lost_before_it_is_ready_is_never_waited_for(worker_fault, phase, action):
    worker_fault(phase, action)
    pool = Pool(1, *_INIT, start_seconds=1.0)
    pool.start()
    try:
        if action == "die":
            assert _wait(lambda: pool._workers[0].lost is not None, 10)
        time.sleep(0.3)
        assert not pool.ready and pool.submit(operator.mul, (2, 3), 1.0) is None
        if action == "stop":  # not ready within start_seconds: given up on (killed) at the next submission
            assert _wait(lambda: pool.submit(operator.mul, (2, 3), 1.0) is None and pool._workers[0].lost, 5)
            assert _wait(lambda: not _alive(pool.pids[0]), 5)
    finally:
        _stopped_in_time(pool)


@pytest.mark.parametrize("action", ["die", "stop"])
@pytest.mark.parametrize("phase", ["scoring", "sending"])
def test_a_worker_lost_with_a_task_fails_that_task_by_its_deadline(worker_fault, phase, action):
    if phase == "sending":
        worker_fault(phase, action)
    pool = Pool(1, *_INIT)
    pool.start()
    try:
        assert _wait(lambda: pool.ready)
        pid = pool.pids[0]
        if phase == "scoring":  # the task itself kills or stops its worker
            task = pool.submit(os.kill, (pid, signal.SIGKILL if action == "die" else signal.SIGSTOP), 0.5)
        else:  # a big answer, cut halfway
            task = pool.submit(bytes, (1_000_000,), 0.5)
        assert task is not None
        t0 = time.monotonic()
        with pytest.raises(TaskFailed):
            pool.result(task)
        assert time.monotonic() - t0 < 5
        assert _wait(lambda: not _alive(pid), 5)  # killed at the deadline if it was only stopped
        assert not pool.ready and pool.submit(operator.mul, (2, 3), 1.0) is None
    finally:
        _stopped_in_time(pool)


def test_a_hung_task_is_given_up_at_its_deadline_and_the_other_worker_goes_on():
    pool = Pool(2, *_INIT)
    pool.start()
    try:
        assert _wait(lambda: all(w.ready.is_set() for w in pool._workers))
        hung = pool.submit(time.sleep, (3600,), 0.5)
        assert hung is not None
        other = pool.submit(operator.mul, (6, 7), 5.0)  # the other worker, which has fewer tasks
        assert other is not None and other.worker is not hung.worker
        t0 = time.monotonic()
        with pytest.raises(TaskFailed, match="no answer within"):
            pool.result(hung)
        assert 0.3 < time.monotonic() - t0 < 5
        assert pool.result(other) == 42 and pool.ready
        assert pool.result(pool.submit(operator.mul, (2, 3), 5.0)) == 6
    finally:
        _stopped_in_time(pool)


def test_a_worker_readies_itself_before_its_initializer_comes(tmp_path, monkeypatch):
    """A worker runs the ``prepare_worker()`` of the module its initializer is from as it starts, while its parent
    gets ready (the batch's workers import the stemmer's nltk so, not in their first chunk)."""
    (tmp_path / "readied.py").write_text(
        "import os\nSTATE = []\n"
        "def prepare_worker():\n    STATE.append(('prepared', os.getpid()))\n"
        "def init(x):\n    STATE.append(('init', x))\n"
        "def state():\n    return list(STATE)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import readied

    pool = Pool(1, readied.init, (7,))
    pool.start()
    try:
        assert _wait(lambda: pool.ready)
        answer = pool.result(pool.submit(readied.state, (), 5.0))
        assert answer == [("prepared", pool.pids[0]), ("init", 7)]  # in the worker, before its initializer
        assert readied.STATE == []  # (not in this process)
    finally:
        _stopped_in_time(pool)


def test_a_deadline_runs_from_the_answer_before_it_not_from_the_deadlines_before_it():
    """A worker kept busy (one task waiting while one runs) and then stopped: it is given up on one budget
    after its last answer. Deadlines used to be chained on the deadlines of the tasks before, so after 40 tasks of
    0.05 s with a budget of 0.5 s the next was due some 18 s ahead, and a SIGSTOPped worker stalled a 200k-row run
    for minutes."""
    pool = Pool(1, *_INIT)
    pool.start()
    try:
        assert _wait(lambda: pool.ready)
        waiting = [pool.submit(time.sleep, (0.05,), 0.5)]
        for _ in range(40):  # each submitted while the one before runs
            waiting.append(pool.submit(time.sleep, (0.05,), 0.5))
            pool.result(waiting.pop(0))
        last = pool.submit(os.kill, (pool.pids[0], signal.SIGSTOP), 0.5)
        pool.result(waiting.pop(0))
        t0 = time.monotonic()
        with pytest.raises(TaskFailed, match="no answer within"):
            pool.result(last)
        assert time.monotonic() - t0 < 5, "the deadline ran from the chained deadlines, not from the last answer"
    finally:
        _stopped_in_time(pool)


_ORPHAN = """
import importlib.util as u, sys, time
s = u.spec_from_file_location("p", {path!r}); m = u.module_from_spec(s); sys.modules["p"] = m; s.loader.exec_module(m)
pool = m.Pool(1, len, (b"x",))
pool.start()
while not pool.ready:
    time.sleep(0.02)
pool.submit(time.sleep, ({busy},), 3600.0)
print(pool.pids[0], flush=True)
time.sleep(3600)
"""


@pytest.mark.parametrize("busy", [0, 3600], ids=["idle", "busy"])
def test_workers_exit_when_their_parent_is_killed(busy):
    """SIGKILL on the parent (no clean-up runs there) ends its workers, idle or busy with a task."""
    code = textwrap.dedent(_ORPHAN.format(path=_pool.__file__, busy=busy))
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert _alive(worker)
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()
    assert _wait(lambda: not _alive(worker), 5), "the worker outlived its parent"


def test_workers_started_early_are_taken_by_the_pool_and_the_others_killed(monkeypatch):
    """The command line starts a run's workers before it loads anything (``early_workers``): the pool started from
    that thread meanwhile takes them instead of starting its own, and those it does not take are killed on the way
    out; another thread's pool, or one whose initializer is elsewhere, starts its own."""
    spawned = []
    real = _pool._spawn
    monkeypatch.setattr(_pool, "_spawn", lambda module: spawned.append(real(module)) or spawned[-1])
    with _pool.early_workers(3, "builtins"):  # where the initializer (len) is
        early = [p.pid for p in spawned]
        assert len(early) == 3
        elsewhere = []
        thread = threading.Thread(target=lambda: elsewhere.append(Pool(1, *_INIT).early))
        thread.start()
        thread.join()
        assert elsewhere == [False] and not Pool(1, operator.add, ()).early
        pool = Pool(2, *_INIT)
        assert pool.early
        pool.start()
        assert pool.pids == early[:2] and len(spawned) == 3  # taken, none started
        assert _wait(lambda: pool.ready)
        task = pool.submit(operator.mul, (6, 7), 30.0)
        assert task is not None and pool.result(task) == 42
        assert _alive(early[2])
        _stopped_in_time(pool)
    assert not _alive(early[2])  # the one not taken
    assert not Pool(1, *_INIT).early


def test_early_workers_are_killed_however_their_context_ends(monkeypatch):
    """Workers started early and not taken are killed when the spawning is interrupted (Ctrl-C between two), and when
    a context inside another ends (the outer one's stay for its pool)."""
    spawned = []
    real = _pool._spawn

    def spawn(module):
        if len(spawned) == 1:
            raise KeyboardInterrupt
        spawned.append(real(module))
        return spawned[-1]

    monkeypatch.setattr(_pool, "_spawn", spawn)
    with pytest.raises(KeyboardInterrupt), _pool.early_workers(3, "builtins"):
        pass
    assert len(spawned) == 1 and spawned[0].poll() is not None and not _pool._EARLY
    monkeypatch.setattr(_pool, "_spawn", lambda module: spawned.append(real(module)) or spawned[-1])
    with _pool.early_workers(1, "builtins"):
        outer = spawned[-1]
        with _pool.early_workers(1, "builtins"):
            inner = spawned[-1]
        assert inner.poll() is not None and outer.poll() is None
        pool = Pool(1, *_INIT)
        pool.start()
        assert pool.pids == [outer.pid]
        _stopped_in_time(pool)
    assert not _pool._EARLY
    assert Pool(1, [].append, ()).early is False  # a built-in method's initializer has no module to import
