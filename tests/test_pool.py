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


#: A program that loads the pool from its file, starts one worker and waits until it is ready.
_STARTED = """
import importlib.util as u, os, signal, sys, time
s = u.spec_from_file_location("p", {path!r}); m = u.module_from_spec(s); sys.modules["p"] = m; s.loader.exec_module(m)
pool = m.Pool(1, len, (b"x",))
pool.start()
while not pool.ready:
    time.sleep(0.02)
"""
_ORPHAN = _STARTED + "pool.submit({task}, 3600.0)\nprint(pool.pids[0], flush=True)\ntime.sleep(3600)\n"


def _stopped(pid: int) -> bool:
    """Whether ``pid`` is stopped (SIGSTOP)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"


@pytest.mark.parametrize(
    "task",
    [
        "time.sleep, (0,)",
        "time.sleep, (3600,)",
        pytest.param(
            "os.kill, (pool.pids[0], signal.SIGSTOP)",
            marks=pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal"),
        ),
    ],
    ids=["idle", "busy", "stopped"],
)
def test_workers_exit_when_their_parent_is_killed(task):
    """SIGKILL on the parent (no clean-up runs there) ends its workers, idle or busy with a task, or stopped (where
    no watchdog thread of its own can run: the kernel kills it)."""
    code = textwrap.dedent(_ORPHAN.format(path=_pool.__file__, task=task))
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert _alive(worker)
        if "SIGSTOP" in task:
            assert _wait(lambda: _stopped(worker), 10)
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()
    gone = _wait(lambda: not _alive(worker), 5)
    if not gone:  # (not left behind, stopped for good)
        os.kill(worker, signal.SIGKILL)
    assert gone, "the worker outlived its parent"


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


def test_a_worker_that_exits_fails_its_task_at_once_and_is_given_no_more():
    """A worker that exits by itself (not killed: an exit status, not a signal) is lost as soon as its end of file is
    read: its task fails then, saying so, not at its deadline, and it is given no further task."""
    pool = Pool(1, *_INIT)
    pool.start()
    try:
        assert _wait(lambda: pool.ready)
        task = pool.submit(os._exit, (0,), 60.0)
        assert task is not None
        with pytest.raises(TaskFailed, match=r"worker process \d+: it exited$"):
            pool.result(task)
        assert not pool.ready and pool.submit(operator.mul, (2, 3), 60.0) is None
    finally:
        _stopped_in_time(pool)


def test_an_answer_this_process_cannot_read_fails_its_task_and_kills_its_worker(tmp_path, monkeypatch):
    """An answer that does not unpickle here (the worker is alive and waiting for more) is an answer not to be trusted:
    the task fails saying why, and the worker is killed and given nothing more."""
    (tmp_path / "unreadable.py").write_text(
        "class Unreadable:\n    def __reduce__(self):\n        return (int, ('not a number',))\n"
        "def answer():\n    return Unreadable()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import unreadable

    pool = Pool(1, *_INIT)
    pool.start()
    try:
        assert _wait(lambda: pool.ready)
        pid = pool.pids[0]
        task = pool.submit(unreadable.answer, (), 60.0)
        assert task is not None
        with pytest.raises(TaskFailed, match=r"unreadable answer \(ValueError: invalid literal"):
            pool.result(task)
        assert not pool.ready and pool.submit(operator.mul, (2, 3), 60.0) is None
        assert _wait(lambda: not _alive(pid), 10)
    finally:
        _stopped_in_time(pool)


def test_a_lost_worker_is_warned_of_once_and_a_stopped_pool_not_at_all(caplog):
    """A worker given up on at its deadline is warned of once, though its reader then sees it die too; workers killed
    by :meth:`Pool.stop` are not warned of."""
    pool = Pool(1, *_INIT)
    with caplog.at_level("WARNING", logger="tpmclassify"):
        pool.start()
        try:
            assert _wait(lambda: pool.ready)
            hung = pool.submit(time.sleep, (3600,), 0.2)
            assert hung is not None
            with pytest.raises(TaskFailed, match="no answer within"):
                pool.result(hung)
            reader = pool._workers[0].threads[1]
            reader.join(10)  # it read the killed worker's end of file and gave the worker up again
            assert not reader.is_alive()
        finally:
            _stopped_in_time(pool)
        lost = [r.getMessage() for r in caplog.records]
        assert len(lost) == 1 and "is lost: no answer within 0 s (hung or stopped)" in lost[0], lost
        caplog.clear()
        pool = Pool(1, *_INIT)
        pool.start()
        assert _wait(lambda: pool.ready)
        _stopped_in_time(pool)  # (it joins the readers: each has seen its worker's end)
        assert caplog.records == []


def test_an_answer_of_many_pipefuls_comes_back_whole():
    """An answer far bigger than a pipe holds (a chunk's columns can be) arrives in many reads, and whole."""
    pool = Pool(1, *_INIT)
    pool.start()
    try:
        assert _wait(lambda: pool.ready)
        task = pool.submit(operator.mul, (b"0123456789", 300_000), 60.0)
        assert task is not None
        assert pool.result(task) == b"0123456789" * 300_000
        assert pool.result(pool.submit(operator.add, (1, 2), 60.0)) == 3  # and the next answer is read from its start
    finally:
        _stopped_in_time(pool)


_UNSTOPPED = _STARTED + "print(pool.pids[0], flush=True)\n"  # (and it ends, without stopping its pool)


def test_a_program_that_never_stops_its_pool_still_exits():
    """The pool's threads never keep a program from ending: one that leaves without stopping its pool (an exception
    past it, a stop forgotten) exits, and its worker with it."""
    code = textwrap.dedent(_UNSTOPPED.format(path=_pool.__file__))
    program = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, timeout=30)
    assert program.returncode == 0
    worker = int(program.stdout)
    assert _wait(lambda: not _alive(worker), 5), "the worker outlived the program"


def test_an_initializer_from_no_module_has_its_worker_import_nothing():
    """An initializer that has no module (a built-in method's) has its workers import nothing as they start: they get
    ready and answer."""
    pool = Pool(1, [].append, (1,))
    pool.start()
    try:
        assert _wait(lambda: pool.ready or pool._workers[0].lost is not None)
        assert pool.ready, pool._workers[0].lost
        assert pool.result(pool.submit(operator.mul, (6, 7), 60.0)) == 42
    finally:
        _stopped_in_time(pool)


def test_a_starting_worker_is_waited_for_start_seconds_then_given_up_once(worker_fault, caplog):
    """A worker that is not ready is not given tasks, and is not given up on either until ``start_seconds`` after it
    started; then it is killed at the next submission, with one warning, whatever the submissions after."""
    worker_fault("starting", "stop")  # never ready
    pool = Pool(1, *_INIT)  # start_seconds=300
    with caplog.at_level("WARNING", logger="tpmclassify"):
        pool.start()
        try:
            worker = pool._workers[0]
            assert pool.submit(operator.mul, (2, 3), 60.0) is None and worker.lost is None
            worker.started -= 301  # as if started 301 s ago
            assert pool.submit(operator.mul, (2, 3), 60.0) is None and worker.lost == "not ready after 300 s"
            assert pool.submit(operator.mul, (2, 3), 60.0) is None
            assert _wait(lambda: not _alive(worker.proc.pid), 5)
        finally:
            _stopped_in_time(pool)
    lost = [r.getMessage() for r in caplog.records]
    assert len(lost) == 1 and "is lost: not ready after 300 s;" in lost[0], lost


def test_a_message_reads_back_whole_through_short_writes_and_short_reads():
    """A write to a pipe may take only part of what it is given (a signal can cut it short), and a read returns what
    is there: a message is written and read whole all the same, and the next one after it."""

    class Short:
        """A pipe that takes and gives at most 1,000 bytes a call."""

        def __init__(self) -> None:
            self.data, self.at = bytearray(), 0

        def write(self, view) -> int:
            self.data += view[:1000]
            return min(len(view), 1000)

        def readinto(self, view) -> int:
            n = min(len(view), 1000, len(self.data) - self.at)
            view[:n] = self.data[self.at : self.at + n]
            self.at += n
            return n

    pipe, message = Short(), bytes(range(256)) * 100
    _pool._write(pipe, message)
    _pool._write(pipe, b"next")
    assert _pool._read(pipe) == message and _pool._read(pipe) == b"next" and _pool._read(pipe) is None


def test_a_worker_s_stray_output_and_input_leave_its_pipes_alone():
    """In a worker, descriptors 0 and 1 are not the pipes its messages use: what a task (or a library it calls) writes
    to standard output goes to standard error, and standard input reads as empty, so neither cuts into a message."""
    pool = Pool(1, *_INIT)
    pool.start()
    try:
        assert _wait(lambda: pool.ready)
        line = b"stray output from a worker (not a failure)\n"
        assert pool.result(pool.submit(os.write, (1, line), 60.0)) == len(line)
        assert pool.result(pool.submit(os.read, (0, 100), 10.0)) == b""
        assert pool.result(pool.submit(operator.mul, (6, 7), 60.0)) == 42
    finally:
        _stopped_in_time(pool)
