"""Atomic file writes: write beside the target, then publish it in one step."""

from __future__ import annotations

import os
import re
import secrets
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._errors import TPMClassifyError

__all__ = ["OutputExistsError", "atomic_path", "check_target", "check_writable"]


class OutputExistsError(TPMClassifyError, FileExistsError):
    """The target exists and may not be replaced (no ``overwrite``, or it is not a regular file)."""


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
    folder is created, as saving would.

    Raises
    ------
    OutputExistsError
        See :func:`check_target`.
    OSError
        If no file can be created in the target's folder.
    """
    check_target(target, overwrite)
    folder = Path(target).parent
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f".{Path(target).name}.{secrets.token_hex(6)}.probe"
    os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    probe.unlink()


@contextmanager
def atomic_path(target: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[str]:
    """Yield a temporary path beside ``target``; publish it as ``target`` only on success.

    The temporary file is created (so an unwritable folder fails here, before any work) with the permissions a
    normal new file gets (the umask applies). An error or interruption removes it, leaving ``target`` untouched.
    Its name holds this machine's name and this process's id: a run killed outright (SIGKILL, a power cut) cannot
    remove it, and the next run on the same target does (:func:`remove_stale_parts`).
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
    tmp = target.parent / f"{_part_prefix(target)}{os.getpid()}.{secrets.token_hex(6)}.part"
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield str(tmp)
        _publish(tmp, target, overwrite)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_stale_parts(target: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files that runs on ``target`` killed outright left beside it; return them.

    Only this machine's (a folder shared with other machines keeps theirs), and only those whose process is gone: a
    run that is still writing keeps its file. Nothing is removed where a process cannot be asked whether it lives
    (not POSIX).

    Examples
    --------
    >>> import pathlib, subprocess, sys, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    >>> stale = out.parent / f"{_part_prefix(out)}{int(gone.stdout)}.0123456789ab.part"
    >>> _ = stale.write_text("half a file")
    >>> [p.name == stale.name for p in remove_stale_parts(out)], stale.exists()
    ([True], False)
    """
    target = Path(target)
    if os.name != "posix":
        return []
    prefix = _part_prefix(target)
    removed = []
    try:
        entries = [e.name for e in os.scandir(target.parent)]
    except OSError:
        return []
    for name in entries:
        ours = _PART.fullmatch(name[len(prefix) :]) if name.startswith(prefix) else None
        if ours and not _alive(int(ours[1])):
            (target.parent / name).unlink(missing_ok=True)
            removed.append(target.parent / name)
    return removed


#: What follows a temporary file's prefix: the process id, a random token, ".part".
_PART = re.compile(r"(\d{1,10})\.[0-9a-f]{12}\.part")


def _part_prefix(target: Path) -> str:
    """How the temporary files of ``target`` written on this machine begin (a process id follows)."""
    return f".{target.name}.{socket.gethostname()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # POSIX: signal 0 asks, and sends nothing
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's process, alive
        return True
    return True


def _publish(tmp: Path, target: Path, overwrite: bool) -> None:
    if overwrite:
        check_target(target, overwrite)
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # fails if target exists: no window between checking and publishing
    except FileExistsError:
        raise OutputExistsError(
            f"output {target} already exists (written by another run meanwhile); "
            "pass {opt:overwrite=True} to replace it"
        ) from None
    except OSError:  # a file system without hard links: claim the name exclusively, then move onto it
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            raise OutputExistsError(f"output {target} already exists (written by another run meanwhile)") from None
        os.replace(tmp, target)
        return
    tmp.unlink()
