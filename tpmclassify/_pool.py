"""Worker processes whose failures are designed for: dead, hung or stopped workers, and a parent that dies.

Each worker is a fresh Python process (``subprocess``) with two pipes of its own: the parent writes tasks to its
standard input, and only the worker writes its results to its standard output. So

* a worker that dies at any moment, halfway through a message included, is an end of file for the thread reading its
  results, never a read that waits for the rest of a message (no other process holds that pipe open);
* every task has a deadline, computed by the caller from its size (:meth:`Pool.submit`): past it, :meth:`Pool.result`
  kills the worker (SIGKILL also ends a stopped one) and raises :class:`TaskFailed`, and the caller does the task
  itself;
* the parent never blocks on a worker: one thread per worker writes to it and one reads from it, neither holding a
  lock while it waits; a worker that is still starting (or never starts) is simply not given tasks;
* a worker exits when the parent dies, even by SIGKILL: on Linux the kernel kills it (``PR_SET_PDEATHSIG``), and
  elsewhere a watchdog thread notices that its parent changed; a worker also exits at the end of its input.

Why not joblib's loky or :class:`concurrent.futures.ProcessPoolExecutor`: both bring every worker's results back
through one shared queue whose pipe the parent holds open for writing too, so a worker killed halfway through a
result leaves a partial message that the pool's manager thread waits on forever (seen: ``Connection._recv``), and
loky's start-up holds the worker's pipe until the initializer's arguments are written. Neither has a per-task deadline,
and their helper processes (loky's, the resource tracker) outlived a parent killed with SIGKILL.

The worker side of this module runs in the worker without importing the package (it is loaded from this file by
path): a worker costs only what its tasks need, and this module imports only the standard library.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import importlib
import logging
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

__all__ = ["MAX_JOBS", "Pool", "TaskFailed", "early_workers"]

logger = logging.getLogger("tpmclassify")

#: The most processes a run may score in: four per core of this machine (each holds the model; more only wait).
MAX_JOBS = 4 * (os.cpu_count() or 1)

_HEADER = struct.Struct("!Q")  # each message: its length, then its pickle
_READY = "ready"
#: Tasks a worker holds at most (one it works on, two waiting), so that it never idles between two: with one waiting,
#: a worker ran dry while this process scored a chunk of its own and read the next (seen: 56-88% busy, against
#: 93-101% with two).
_PER_WORKER = 3


class TaskFailed(Exception):
    """A task a worker did not answer: the worker died, stopped answering within the deadline, or raised."""


@dataclass(eq=False)
class _Worker:
    proc: subprocess.Popen[bytes]
    started: float
    outbox: queue.SimpleQueue[bytes | None] = field(default_factory=queue.SimpleQueue)
    ready: threading.Event = field(default_factory=threading.Event)
    pending: dict[int, concurrent.futures.Future[Any]] = field(default_factory=dict)
    answered: float = 0.0  # when its last answer came (``time.monotonic()``)
    lost: str | None = None
    threads: list[threading.Thread] = field(default_factory=list)


@dataclass(eq=False)
class Task:
    """A task given to a worker: its answer (:meth:`Pool.result`) is due ``budget`` seconds after the worker could
    start on it (:meth:`deadline`)."""

    seq: int
    worker: _Worker
    budget: float
    submitted: float
    future: concurrent.futures.Future[Any]

    def deadline(self) -> float:
        """When the answer is due (``time.monotonic()``): ``budget`` seconds after it was submitted or after the
        worker's last answer, whichever is later. Asked while the tasks before it are answered (a worker answers in
        order), the last answer is the one before it: the task's own time starts there, not at its submission
        (a deadline chained on the deadlines of the tasks before it would run ever further ahead of the work)."""
        return max(self.submitted, self.worker.answered) + self.budget

    def done(self) -> bool:
        """Whether the answer (or the failure) is in: :meth:`Pool.result` will not wait."""
        return self.future.done()


class Pool:
    """``n`` worker processes, each given ``initializer(*initargs)`` once, then tasks ``fn(*args)``.

    Parameters
    ----------
    n : int
        Worker processes.
    initializer : callable
        Called once in each worker with ``initargs`` (both pickled, sent once per worker). Its module is imported as
        the worker starts, and its ``prepare_worker()`` run, if it has one, while this process gets ready.
    initargs : tuple
        Its arguments.
    start_seconds : float, default 300
        A worker not ready this long after it was started is stopped (it was never given a task).
    """

    def __init__(
        self,
        n: int,
        initializer: Callable[..., object],
        initargs: tuple[Any, ...] = (),
        *,
        start_seconds: float = 300.0,
    ) -> None:
        self.n, self.start_seconds = n, start_seconds
        self._init = (initializer, initargs)
        # what a worker imports as it starts, before it is sent the initializer ("": nothing, a built-in method's)
        self._module: str = getattr(initializer, "__module__", None) or ""
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()  # guards workers' pending/lost; never held while waiting for anything
        self._seq = 0
        self._stopped = False

    # ------------------------------------------------------------------ parent side
    def start(self) -> None:
        """Start the workers and return at once (a worker reports ready when its initializer has run).

        Call it from the thread that will call :meth:`stop`: on Linux a worker is killed when the thread that
        started it ends (``PR_SET_PDEATHSIG`` follows the thread), which must not happen while it works.
        """
        if self._workers or self._stopped:
            return
        init = pickle.dumps(self._init, protocol=pickle.HIGHEST_PROTOCOL)
        early = _EARLY.get((threading.get_ident(), self._module), [])
        for k in range(self.n):
            try:
                proc = early.pop(0) if early else _spawn(self._module)
            except OSError as err:
                logger.warning("worker processes could not start (%s); scoring in this process only", err)
                break
            worker = _Worker(proc, time.monotonic())
            worker.outbox.put(init)
            for role, target in (("writer", self._send), ("reader", self._receive)):
                thread = threading.Thread(
                    target=target, args=(worker,), name=f"tpmclassify-worker{k}-{role}", daemon=True
                )
                worker.threads.append(thread)
            self._workers.append(worker)
            for thread in worker.threads:
                thread.start()

    @property
    def early(self) -> bool:
        """Whether workers started ahead for this pool are waiting (:func:`early_workers`): then :meth:`start` costs
        no new process."""
        return bool(_EARLY.get((threading.get_ident(), self._module)))

    @property
    def ready(self) -> bool:
        """Whether a worker is ready (started, and neither dead nor stopped)."""
        return any(w.ready.is_set() and w.lost is None for w in self._workers)

    @property
    def pids(self) -> list[int]:
        """The workers' process ids."""
        return [w.proc.pid for w in self._workers]

    def submit(self, fn: Callable[..., Any], args: tuple[Any, ...], seconds: float) -> Task | None:
        """Give ``fn(*args)`` to the ready worker with the fewest tasks, due ``seconds`` after that worker could start
        on it (:meth:`Task.deadline`); ``None`` if no worker is ready and has room (then do it yourself)."""
        now = time.monotonic()
        best: _Worker | None = None
        for w in self._workers:
            if w.lost is None and not w.ready.is_set() and now - w.started > self.start_seconds:
                self._lose(w, f"not ready after {self.start_seconds:.0f} s")
            elif w.lost is None and w.ready.is_set() and len(w.pending) < _PER_WORKER:
                if best is None or len(w.pending) < len(best.pending):
                    best = w
        if best is None:
            return None
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._lock:
            if best.lost is not None:
                return None
            self._seq += 1
            seq = self._seq
            best.pending[seq] = future
        best.outbox.put(pickle.dumps((seq, fn, args), protocol=pickle.HIGHEST_PROTOCOL))
        return Task(seq, best, seconds, now, future)

    def result(self, task: Task) -> Any:
        """The task's answer, waiting at most until its deadline.

        Raises
        ------
        TaskFailed
            The worker died, raised, or did not answer by the deadline (it is then killed).
        """
        while True:
            try:
                return task.future.result(timeout=max(0.0, task.deadline() - time.monotonic()))
            except concurrent.futures.TimeoutError:
                self._lose(task.worker, f"no answer within {task.budget:.0f} s (hung or stopped)")

    def stop(self) -> None:
        """Kill every worker (started or not, busy or stopped) and wait for them; never blocks for long."""
        self._stopped = True
        for w in self._workers:
            w.outbox.put(None)
            _kill(w.proc)
        for w in self._workers:
            try:
                w.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not refused
                logger.warning("worker process %d did not exit", w.proc.pid)
            for thread in w.threads:
                try:
                    thread.join(timeout=10)
                except RuntimeError:  # never started: start() was interrupted (SIGTERM, Ctrl-C) before it
                    pass
            if not any(t.is_alive() for t in w.threads):  # else a thread may still use them: leave them be
                for pipe in (w.proc.stdin, w.proc.stdout):
                    if pipe is not None:
                        pipe.close()
            with self._lock:
                failed, w.pending = list(w.pending.values()), {}
            _fail(failed, "the pool was stopped")

    def _lose(self, w: _Worker, reason: str) -> None:
        """``w`` is dead, hung or stopped: kill it and fail its tasks (their callers do them)."""
        with self._lock:
            first, failed = w.lost is None, list(w.pending.values())
            if first:
                w.lost = reason
            w.pending = {}
        _kill(w.proc)
        _fail(failed, f"worker process {w.proc.pid}: {reason}")
        if first and not self._stopped:
            logger.warning(
                "a worker process (%d) is lost: %s; its chunks are scored in this process", w.proc.pid, reason
            )

    def _send(self, w: _Worker) -> None:
        """Writer thread: the outbox's messages to the worker, blocking on the pipe (no lock held)."""
        assert w.proc.stdin is not None
        try:
            while (message := w.outbox.get()) is not None:
                _write(w.proc.stdin, message)
        except OSError:  # the worker is gone: the reader sees its end of file
            pass

    def _receive(self, w: _Worker) -> None:
        """Reader thread: the worker's answers; an end of file (even halfway through one) means it is gone."""
        assert w.proc.stdout is not None
        reason = "it exited"
        try:
            while (message := _read(w.proc.stdout)) is not None:
                answer = pickle.loads(message)
                if answer == _READY:
                    w.ready.set()
                    continue
                seq, ok, value = answer
                w.answered = time.monotonic()  # (before the answer is given: its waiter then times the next one)
                with self._lock:
                    future = w.pending.pop(seq, None)
                if future is not None:
                    _settle(future, value if ok else TaskFailed(f"worker process {w.proc.pid}: {value}"), ok)
        except Exception as err:  # noqa: BLE001 - an unreadable answer: the worker is not to be trusted
            reason = f"unreadable answer ({type(err).__name__}: {err})"
        try:
            code = w.proc.wait(timeout=1)  # an end of file is usually the worker's death: say how it died
        except subprocess.TimeoutExpired:
            code = None
        if code is not None and code < 0:
            reason = f"killed by signal {-code}"
        self._lose(w, "died while starting" if not w.ready.is_set() and reason == "it exited" else reason)


def _settle(future: concurrent.futures.Future[Any], value: Any, ok: bool) -> None:
    try:
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
    except concurrent.futures.InvalidStateError:  # already failed (its worker was given up on meanwhile)
        pass


def _fail(futures: list[concurrent.futures.Future[Any]], reason: str) -> None:
    for future in futures:
        _settle(future, TaskFailed(reason), False)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.kill()  # SIGKILL: ends a stopped process too
    except OSError:  # already reaped
        pass


def _spawn(module: str) -> subprocess.Popen[bytes]:
    """A worker process, which imports ``module`` as it starts (``""``: none) and runs its ``prepare_worker()``, if it
    has one, before it reads its initializer."""
    return subprocess.Popen(
        [*_worker_command(), module], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, close_fds=True
    )


#: Workers started ahead of their pool (:func:`early_workers`), by the thread that started them and what they import.
_EARLY: dict[tuple[int, str], list[subprocess.Popen[bytes]]] = {}


@contextmanager
def early_workers(n: int, module: str) -> Iterator[None]:
    """Start ``n`` worker processes now, so that they import ``module`` (where their initializer is) and run its
    ``prepare_worker()``, if it has one, while this thread gets ready: a :class:`Pool` started from this thread
    meanwhile, with an initializer from ``module``, takes them instead of starting its own. Those it does not take (a
    file of one chunk, an error) are killed on the way out.

    What the command line does before it loads anything, as a worker's start-up (importing scikit-learn, about a
    second) is then spent beside this process's own.
    """
    key = (threading.get_ident(), module)
    outer = _EARLY.get(key)  # (a context inside another, in this thread: a pool may take the outer one's workers too)
    ours: list[subprocess.Popen[bytes]] = []
    waiting = _EARLY[key] = list(outer or ())  # what a pool takes from
    try:
        for _ in range(n):
            try:
                proc = _spawn(module)
            except OSError:  # the pool starts what it can later, and says so
                break
            ours.append(proc)
            waiting.append(proc)
        yield
    finally:
        left = _EARLY.pop(key, [])
        if outer is not None:  # the outer context's workers, less those taken meanwhile
            _EARLY[key] = [proc for proc in left if proc not in ours]
        for proc in ours:
            if proc in left:  # not taken by a pool
                _kill(proc)
                proc.wait()
                for pipe in (proc.stdin, proc.stdout):
                    if pipe is not None:
                        pipe.close()


def _worker_command() -> list[str]:
    """This interpreter running :func:`serve` from this file, with this process's import path and id."""
    code = (
        "import importlib.util as u, sys; "
        f"sys.path[:0] = {list(sys.path)!r}; "
        f"s = u.spec_from_file_location('_tpmclassify_worker', {os.path.abspath(__file__)!r}); "
        "m = u.module_from_spec(s); sys.modules[s.name] = m; s.loader.exec_module(m); m.serve()"
    )
    return [sys.executable, "-c", code, str(os.getpid())]


# ---------------------------------------------------------------------------- both sides
def _write(pipe: IO[bytes], message: bytes) -> None:
    for part in (_HEADER.pack(len(message)), message):
        view = memoryview(part)
        while view:
            written = pipe.write(view)
            view = view[written or 0 :]


def _read(pipe: IO[bytes]) -> bytearray | None:
    """The next message, or ``None`` at the end of the pipe (a message cut short by it included)."""
    header = _read_exactly(pipe, _HEADER.size)
    if header is None:
        return None
    return _read_exactly(pipe, _HEADER.unpack(header)[0])


def _read_exactly(pipe: IO[bytes], n: int) -> bytearray | None:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = pipe.readinto(view[got:])  # type: ignore[attr-defined]  # a raw pipe (bufsize=0) has readinto
        if not k:
            return None
        got += k
    return buf


# ---------------------------------------------------------------------------- worker side
def serve() -> None:
    """A worker's life: follow the parent, run the initializer, answer tasks until the end of the input."""
    _follow_parent(int(sys.argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops its workers
    # the messages use the pipes on 0 and 1; print() and stray output go to standard error instead
    inp = os.fdopen(os.dup(0), "rb", buffering=0)
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    if len(sys.argv) > 2 and sys.argv[2]:  # what the initializer needs, readied while the parent gets ready
        prepare = getattr(importlib.import_module(sys.argv[2]), "prepare_worker", None)
        if prepare is not None:
            prepare()
    message = _read(inp)
    if message is None:
        return
    initializer, initargs = pickle.loads(message)
    initializer(*initargs)
    _write(out, pickle.dumps(_READY))
    while (message := _read(inp)) is not None:
        seq, fn, args = pickle.loads(message)
        try:
            answer = (seq, True, fn(*args))
        except Exception as err:  # noqa: BLE001 - said to the parent, which does the task itself
            answer = (seq, False, f"{type(err).__name__}: {err}")
        _write(out, pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


_PR_SET_PDEATHSIG = 1


def _follow_parent(parent: int) -> None:
    """Exit when ``parent`` dies: the kernel's parent-death signal on Linux, and a watchdog thread everywhere."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl: the watchdog remains
            pass
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="parent-watchdog", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
