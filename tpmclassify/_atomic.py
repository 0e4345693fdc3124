"""Atomic file writes: write beside the target, then publish it in one step."""

from __future__ import annotations

import os
import re
import secrets
import socket
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ._errors import BatchError, TPMClassifyError

__all__ = [
    "OutputExistsError",
    "RunOutputExistsError",
    "atomic_path",
    "check_target",
    "check_writable",
    "interruptions",
]


class OutputExistsError(TPMClassifyError, FileExistsError):
    """The target exists and may not be replaced (no ``overwrite``, or it is not a regular file)."""


class RunOutputExistsError(BatchError, OutputExistsError):
    """A run's output in the way (a batch's, an audit's): a :class:`~tpmclassify.BatchError`, as a run's other
    refusals are, and the :class:`OutputExistsError` (a ``FileExistsError``) a model file in the way raises."""


def check_target(target: str | os.PathLike[str], overwrite: bool) -> None:
    """Refuse early a target that :func:`atomic_path` would refuse at the end.

    Raises
    ------
    OutputExistsError
        If ``target`` exists and ``overwrite`` is false, or it exists and is not a regular file (a folder, a
        device such as ``/dev/full``, a symbolic link, a pipe): those are never replaced.
    """
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
        raise OutputExistsError(f"output {target} is {kind}; refusing to replace it")
    if not overwrite:
        raise OutputExistsError(f"output {target} already exists; pass {{opt:overwrite=True}} to replace it")


def check_writable(target: str | os.PathLike[str], overwrite: bool) -> None:
    """Refuse early, before any work, a target that cannot be written: :func:`check_target`, then a file created and
    removed beside it (the only sure test: permissions, read-only file systems and quotas all answer it). A missing
    folder is not created here (saving creates it): the file is tried in the nearest folder that exists, where it
    would be created, so that a run refused later leaves no folder behind.

    Raises
    ------
    OutputExistsError
        See :func:`check_target`.
    OSError
        If no file can be created in the target's folder.
    """
    check_target(target, overwrite)
    folder = Path(target).absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    probe = folder / f".{_fitted(Path(target).name, 21)}.{secrets.token_hex(6)}.probe"
    os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    probe.unlink()


@contextmanager
def atomic_path(target: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[str]:
    """Yield a temporary path beside ``target``; publish it as ``target`` only on success.

    The temporary file is created (so an unwritable folder fails here, before any work) with the permissions a
    normal new file gets (the umask applies). An error or interruption removes it, leaving ``target`` untouched.
    It is locked while the run lives: a run killed outright (SIGKILL, a power cut) cannot remove it, and the next
    run on the same target does (:func:`remove_stale_parts`).
    Without ``overwrite`` the file is published with a hard link, which fails if ``target`` exists, so of two
    runs writing the same new target exactly one wins; with it, only a regular file is ever replaced.

    Parameters
    ----------
    target : path
        The file to write.
    overwrite : bool, default True
        Whether an existing regular file may be replaced.

    Raises
    ------
    OutputExistsError
        See :func:`check_target` (checked on entry, and again when publishing).
    OSError
        If the temporary file cannot be created (e.g. the folder is not writable).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(out, overwrite=False) as tmp:
    ...     _ = pathlib.Path(tmp).write_text("done")
    >>> out.read_text()
    'done'
    """
    target = Path(target)
    check_target(target, overwrite)
    remove_stale_parts(target)
    tmp, lock = _locked_part(target)
    try:
        yield str(tmp)
        _sync(tmp, lock)  # on disk before its name is: a power cut never leaves a published file empty or cut short
        _publish(tmp, target, overwrite)
        _sync_folder(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if lock is not None:
            os.close(lock)  # the lock ends with it


#: The temporary files :func:`remove_stale_parts` may remove, after their prefix: those whose writer locks them while
#: it lives.
_PART = re.compile(r"[0-9a-f]{12}\.part", re.ASCII)


def _part_prefix(target: Path) -> str:
    """How the removable temporary files of ``target`` written on this machine begin: a folder shared by machines
    whose locks do not reach each other (some network file systems lock locally only) keeps other machines' files."""
    host = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())
    return f".{_fitted(target.name, len(host) + 25)}.tpmc-{host}-"


def _fitted(name: str, room: int) -> str:
    """``name`` cut at its end, if need be, to leave ``room`` bytes of a file name of at most 255 (what most file
    systems allow): a temporary name beside a target adds about 20 to 90 characters to the target's own, and a
    target's legal name must not be refused for its temporary file's.

    Examples
    --------
    >>> len(_fitted("a" * 240 + ".csv", 21)), _fitted("x.csv", 21)
    (234, 'x.csv')
    """
    while name and len(os.fsencode(name)) + room > _NAME_MAX:
        name = name[:-1]
    return name


#: The longest file name, in bytes, of most file systems (ext4, XFS, APFS, NTFS in UTF-16 units).
_NAME_MAX = 255


def _locked_part(target: Path) -> tuple[Path, int | None]:
    """A new temporary file beside ``target`` and a descriptor holding an exclusive lock on it for as long as it is
    open (None where files cannot be locked: the file is then named so that no run removes it)."""
    token = secrets.token_hex(6)
    new = target.parent / f".{_fitted(target.name, 18)}.{token}.new"
    fd = os.open(new, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            import fcntl  # POSIX only

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (ImportError, OSError):  # no locks here (another system, some network file systems)
            os.close(fd)
            fd = -1
        # named a removable part only once locked: no run can take it for a dead run's
        prefix = _part_prefix(target) if fd >= 0 else f".{_fitted(target.name, 19)}."
        part = target.parent / f"{prefix}{token}.part"
        os.replace(new, part)
        return part, (fd if fd >= 0 else None)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        new.unlink(missing_ok=True)
        raise


def remove_stale_parts(target: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files that runs on ``target`` killed outright (SIGKILL, a power cut) left beside it;
    return them.

    A run holds a lock on its temporary file while it lives, and the system releases it when the run ends, however it
    ends: a file nobody locks is a dead run's. Only this machine's files are tried (some network file systems lock
    locally only), and one that cannot be opened, locked or removed (another user's, a folder, a link) is left as it
    is; where files cannot be locked (not POSIX), nothing is removed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> stale = out.parent / f"{_part_prefix(out)}0123456789ab.part"
    >>> _ = stale.write_text("half a file")
    >>> with atomic_path(out) as tmp:  # a live run's file is locked: kept
    ...     remove_stale_parts(out) == [] and pathlib.Path(tmp).exists()
    True
    >>> stale.exists()
    False
    """
    target = Path(target)
    try:
        import fcntl
    except ImportError:
        return []
    prefix, removed = _part_prefix(target), []
    try:
        names = [
            e.name for e in os.scandir(target.parent) if e.name.startswith(prefix) and e.is_file(follow_symlinks=False)
        ]
    except OSError:
        return []
    for name in names:
        if not _PART.fullmatch(name[len(prefix) :]):
            continue
        path = target.parent / name
        try:
            # no links; never wait (a file swapped for a FIFO meanwhile would block an open for reading)
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # taken: its writer is gone (a live one holds it)
            if os.path.samestat(os.fstat(fd), os.lstat(path)):  # still the file that was locked
                path.unlink()
                removed.append(path)
        except OSError:  # locked by a live run, or not ours to remove
            pass
        finally:
            os.close(fd)
    return removed


def _sync(path: Path, fd: int | None) -> None:
    """Write ``path``'s data to disk (``fd``: a descriptor open on it, else one is opened for writing: Windows
    flushes only a file open for writing)."""
    if fd is not None:
        os.fsync(fd)
        return
    fd = os.open(path, os.O_WRONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Write ``folder``'s entries to disk (where a folder can be opened: not on Windows), so that a file just named
    in it stays named after a power cut."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # (some file systems refuse to sync a folder: the file itself is on disk)
        pass
    finally:
        os.close(fd)


#: Interruptions received (the exception each raised), so that none is lost: a signal's exception raised while a
#: finalizer (``__del__``) runs is only printed by Python, and the run would go on to publish its output.
_INTERRUPTIONS: list[type[BaseException]] = []


@contextmanager
def interruptions() -> Iterator[Callable[[type[BaseException]], None]]:
    """While this runs, an interruption said to the function it yields (by a signal handler, with the exception it
    raises) stops any output from being published: publishing raises it again, the temporary file is removed.

    Examples
    --------
    >>> with interruptions() as interrupted:
    ...     interrupted(KeyboardInterrupt)
    ...     try:
    ...         with atomic_path("never.txt") as tmp:
    ...             _ = Path(tmp).write_text("whole, but interrupted")
    ...     except KeyboardInterrupt:
    ...         print("interrupted: nothing published")
    interrupted: nothing published
    >>> import os; os.path.exists("never.txt")
    False
    """
    _INTERRUPTIONS.clear()
    try:
        yield _INTERRUPTIONS.append
    finally:
        _INTERRUPTIONS.clear()


def _publish(tmp: Path, target: Path, overwrite: bool) -> None:
    if _INTERRUPTIONS:  # (its exception was swallowed where it was raised)
        raise _INTERRUPTIONS[-1]
    if overwrite:
        check_target(target, overwrite)
        try:  # a replaced file keeps its permissions (a private file of postings stays private)
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        except FileNotFoundError:
            pass
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # fails if target exists: no window between checking and publishing
    except FileExistsError:
        raise OutputExistsError(
            f"output {target} already exists (written by another run meanwhile); "
            "pass {opt:overwrite=True} to replace it"
        ) from None
    except OSError as err:  # a file system without hard links: claim the name exclusively, then move onto it
        if isinstance(err, FileNotFoundError):  # the temporary file is gone: nothing to publish
            raise
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            raise OutputExistsError(f"output {target} already exists (written by another run meanwhile)") from None
        try:
            os.replace(tmp, target)
        except BaseException:
            target.unlink(missing_ok=True)  # the name this run claimed, empty: never published
            raise
        return
    tmp.unlink()
