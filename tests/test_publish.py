"""Publishing outputs: no run replaces another's output, nothing that is not a regular file is replaced,
problems that can be found before classifying are, and signals clean up as Ctrl-C does."""

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import tpmclassify
from tpmclassify import classify_csv
from tpmclassify._cli import main


@pytest.fixture
def src(tmp_path, postings):
    path = tmp_path / "in.csv"
    postings.drop(columns=["label"]).to_csv(path, index=False)
    return path


def test_of_two_runs_on_one_new_output_exactly_one_wins(tmp_path, src, monkeypatch):
    """The other run publishes while this one is classifying: this one is refused and the other's output kept."""
    out = tmp_path / "out.csv"
    from tpmclassify import _batch

    score = _batch.score_texts

    def other_run_publishes_meanwhile(*args, **kwargs):
        out.write_text("the other run's output")
        return score(*args, **kwargs)

    monkeypatch.setattr(_batch, "score_texts", other_run_publishes_meanwhile)
    with pytest.raises(tpmclassify.BatchError, match=r"already exists .*; pass overwrite=True to replace it"):
        classify_csv(src, out)
    assert out.read_text() == "the other run's output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]  # no .part left


def test_only_regular_files_are_ever_replaced(tmp_path, src, capsys):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "elsewhere.csv")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    for target, kind in ((fifo, "not a regular file"), (link, "a symbolic link"), (folder, "a folder")):
        assert main(["batch", str(src), "-o", str(target), "--overwrite", "-q"]) == 2
        assert f"is {kind}; refusing to replace it" in capsys.readouterr().err
    assert fifo.is_fifo() and link.is_symlink() and folder.is_dir() and not (tmp_path / "elsewhere.csv").exists()


def test_an_unwritable_output_folder_is_refused_before_classifying(src, monkeypatch, capsys):
    from tpmclassify import _batch

    monkeypatch.setattr(_batch, "read_chunks", pytest.fail)  # must not get as far as reading the input
    folder = Path("/proc/self")  # not writable, even by root
    if not folder.is_dir():
        pytest.skip("needs Linux /proc")
    assert main(["batch", str(src), "-o", str(folder / "out.csv"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write /proc/self/out.csv (in /proc/self)" in err
    # the audit's second file says which it is (it said "the output", as for the page)
    assert main(["audit", str(src), "-o", str(src.parent / "a.html"), "--flags-csv", str(folder / "f.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write /proc/self/f.csv (in /proc/self)" in err


@pytest.mark.parametrize("content", [b"id,description\n1,x\n", "truncated"])
def test_a_broken_gzip_input_is_a_one_line_error(tmp_path, content, capsys):
    path = tmp_path / "in.csv.gz"
    if content == "truncated":
        data = gzip.compress(b"id,description\n" + b"1,Own the program roadmap\n" * 5000)
        content = data[: len(data) // 2]
    path.write_bytes(content)
    assert main(["batch", str(path), "-o", str(tmp_path / "out.csv.gz"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a complete gzip file" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [path]


def _children(pid: int) -> list[int]:
    psutil = pytest.importorskip("psutil")
    return [p.pid for p in psutil.Process(pid).children(recursive=True)]


def _alive(pid: int) -> bool:
    psutil = pytest.importorskip("psutil")
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait(condition, what: str, limit: float = 120.0) -> None:
    """Poll until ``condition()`` (a generous limit against a hung run, not a speed check)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.2)


def _hangups_heard() -> None:
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_a_signalled_batch_leaves_no_part_file_and_no_workers(tmp_path, postings, sig):
    """SIGTERM and SIGHUP (a terminal or ssh session gone: it exited -1, leaving its hidden .part file) unwind as
    Ctrl-C does; a hangup reaches the workers too (the whole process group, as a terminal sends it)."""
    pytest.importorskip("psutil")
    work = tmp_path / "work"
    work.mkdir()
    big = work / "in.csv"
    frame = postings.drop(columns=["label"])
    frame.iloc[[i % len(frame) for i in range(40_000)]].to_csv(big, index=False)  # tens of seconds of work
    cmd = [
        sys.executable,
        "-m",
        "tpmclassify._cli",
        "batch",
        str(big),
        "-o",
        str(work / "out.csv"),
        "--jobs",
        "2",
        "--chunk-size",
        "200",
        "-q",
    ]
    with open(tmp_path / "stderr.txt", "w") as stderr:  # (its own process group; a hangup not ignored, as from a
        # terminal, whatever this run inherited: under nohup, the run rightly kept it ignored and finished)
        run = subprocess.Popen(cmd, stderr=stderr, start_new_session=True, preexec_fn=_hangups_heard)
    try:
        _wait(lambda: len(_children(run.pid)) >= 1 and list(work.glob("*.part")), "a worker and a .part file")
        workers = _children(run.pid)
        if sig == signal.SIGHUP:
            os.killpg(run.pid, sig)
        else:
            run.send_signal(sig)
        code = run.wait(timeout=120)
        _wait(lambda: not any(_alive(w) for w in workers), "the workers to exit with their parent")
    finally:
        run.kill()
        run.wait()
    if sig in (signal.SIGTERM, signal.SIGHUP):
        assert code == 128 + sig
        assert "terminated; no unfinished output was written" in (tmp_path / "stderr.txt").read_text()
        assert sorted(p.name for p in work.iterdir()) == ["in.csv"]
    else:
        assert code == -signal.SIGKILL  # nothing can clean up after SIGKILL; the workers still end
        assert len(list(work.glob("*.part"))) == 1
        small = work / "small.csv"
        frame.head(3).to_csv(small, index=False)
        assert main(["batch", str(small), "-o", str(work / "out.csv"), "-q"]) == 0  # the next run on it removes it
        assert sorted(p.name for p in work.iterdir()) == ["in.csv", "out.csv", "small.csv"]


def test_a_hangup_ignored_by_nohup_stays_ignored(tmp_path, postings, monkeypatch):
    """Under ``nohup`` (SIGHUP ignored) a batch goes on through a hangup and writes its output; the command handles
    SIGHUP only where it would have ended the process. (The signal is sent from inside the run.)"""
    from tpmclassify import _batch

    real = _batch.classify_csv

    def hung_up(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGHUP)
        return real(*args, **kwargs)

    src = tmp_path / "in.csv"
    postings.drop(columns=["label"]).to_csv(src, index=False)
    monkeypatch.setattr(_batch, "classify_csv", hung_up)
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        assert main(["batch", str(src), "-o", str(tmp_path / "out.csv"), "-q"]) == 0
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert len(pd.read_csv(tmp_path / "out.csv")) == len(postings)


def test_only_the_temporary_files_of_dead_runs_are_removed(tmp_path, src):
    """A run removes what runs on its output killed outright left on this machine (a file nobody locks), and keeps a
    live run's (locked by its process), another machine's, another output's whose name begins like it, an older
    version's, a folder and a link."""
    import socket

    ours = _ours(socket.gethostname())
    live = tmp_path / f"{ours}00000000000a.part"
    locker = subprocess.Popen(  # a live run: holds its file locked until told to stop
        [sys.executable, "-c", LOCKER, str(live)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert locker.stdout is not None and locker.stdout.readline() == b"locked\n"
    stale = tmp_path / f"{ours}0123456789ab.part"
    stale.write_text("half a file")
    kept = [".out.csv.tpmc-another-host-0123456789ab.part", f".out.csv.x.csv{ours[8:]}0123456789ab.part"]
    kept += [".out.csv.0123456789ab.part"]
    for name in kept:
        (tmp_path / name).write_text("not a dead run's file of out.csv on this machine")
    (tmp_path / f"{ours}00000000000b.part").mkdir()
    (tmp_path / f"{ours}00000000000c.part").symlink_to(src)
    kept += [live.name, f"{ours}00000000000b.part", f"{ours}00000000000c.part"]
    try:
        classify_csv(src, tmp_path / "out.csv")
        assert not stale.exists() and all((tmp_path / name).exists() for name in kept) and src.exists()
    finally:
        locker.communicate(b"stop")
    classify_csv(src, tmp_path / "out.csv", overwrite=True)  # its run has ended: now it is a dead run's file
    assert not live.exists()


def _ours(host: str) -> str:
    import re

    return f".out.csv.tpmc-{re.sub(r'[^A-Za-z0-9.-]', '_', host)}-"


def test_every_dead_runs_file_goes_and_nothing_else_does(tmp_path, src, monkeypatch):
    """Several dead runs' files among names that only look like them (a host name the file system cannot hold as
    it is, reduced to letters, digits, dots and dashes)."""
    import socket

    monkeypatch.setattr(socket, "gethostname", lambda: "Build/Host 7")
    ours = _ours("Build/Host 7")
    stale = [tmp_path / f"{ours}{i:012x}.part" for i in range(1, 13)]  # many of each: any order of the folder
    kept = [f"{ours}0123456789AB.part", "x" * len(ours) + "0123456789ab.part", f"{ours}12.part"]
    kept += [f"{ours}{i:012x}.part.old" for i in range(12)]
    for path in [*stale, *(tmp_path / name for name in kept)]:
        path.write_text("half a file")
    classify_csv(src, tmp_path / "out.csv")
    assert not any(p.exists() for p in stale) and all((tmp_path / name).exists() for name in kept)


def test_the_output_has_the_permissions_of_a_new_file(tmp_path, src):
    umask = os.umask(0)
    os.umask(umask)
    classify_csv(src, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o666 & ~umask
    # a file replaced keeps its permissions: a private file of postings stayed private only until overwritten
    for mode in (0o600, 0o640):
        (tmp_path / "out.csv").chmod(mode)
        classify_csv(src, tmp_path / "out.csv", overwrite=True)
        assert (tmp_path / "out.csv").stat().st_mode & 0o777 == mode


def test_where_files_cannot_be_locked_a_run_still_publishes_and_no_run_removes_its_file(tmp_path, src, monkeypatch):
    """The first lock fails (a file system without locks): that run's temporary file is named so that no cleanup
    takes it; a second run on the same output meanwhile (whose lock works) leaves it, and both publish."""
    import errno
    import fcntl

    from tpmclassify import _batch

    flock, score, seen = fcntl.flock, _batch.score_texts, []

    def first_lock_fails(fd, op):
        if not seen:
            seen.append("lock refused")
            raise OSError(errno.ENOLCK, "No locks available")
        return flock(fd, op)

    def another_run_meanwhile(*args, **kwargs):
        if len(seen) == 1:
            seen.append(sorted(p.name for p in tmp_path.glob("*.part")))
            classify_csv(src, tmp_path / "out.csv", overwrite=True)
        return score(*args, **kwargs)

    monkeypatch.setattr(fcntl, "flock", first_lock_fails)
    monkeypatch.setattr(_batch, "score_texts", another_run_meanwhile)
    classify_csv(src, tmp_path / "out.csv", overwrite=True)
    assert len(seen[1]) == 1 and not seen[1][0].startswith(".out.csv.tpmc-") and seen[1][0].endswith(".part")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]
    assert len(pd.read_csv(tmp_path / "out.csv")) == len(pd.read_csv(src))


def test_a_failure_while_the_temporary_file_is_made_leaves_nothing(tmp_path, src, monkeypatch):
    """Naming the locked file fails: no file is left, no descriptor stays open, and the error is the library's."""
    real = os.replace

    def fails_on_the_new_file(a, b, *args, **kwargs):
        if str(a).endswith(".new"):
            raise PermissionError(13, "Permission denied", str(b))
        return real(a, b, *args, **kwargs)

    monkeypatch.setattr(os, "replace", fails_on_the_new_file)
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
    with pytest.raises(tpmclassify.BatchError):
        classify_csv(src, tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
    assert (len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0) == before


@pytest.mark.parametrize("case", ["publishes", "another run's output appears", "the move fails"])
def test_without_hard_links_a_new_output_is_claimed_then_moved_onto(tmp_path, src, monkeypatch, case):
    """A file system without hard links: the name is claimed exclusively, then the file moved onto it; a run that
    published meanwhile keeps its output; a move that fails leaves no empty output behind."""
    import errno

    from tpmclassify import _batch

    out, score, replace = tmp_path / "out.csv", _batch.score_texts, os.replace

    def no_links(a, b):
        raise OSError(errno.EPERM, "Operation not permitted")

    def other_run_publishes_meanwhile(*args, **kwargs):
        out.write_text("the other run's output")
        return score(*args, **kwargs)

    def move_fails(a, b, *args, **kwargs):
        if Path(b) == out:
            raise OSError(errno.EIO, "Input/output error")
        return replace(a, b, *args, **kwargs)

    monkeypatch.setattr(os, "link", no_links)
    if case == "publishes":
        classify_csv(src, out)
        assert len(pd.read_csv(out)) == len(pd.read_csv(src))
    elif case == "another run's output appears":
        monkeypatch.setattr(_batch, "score_texts", other_run_publishes_meanwhile)
        with pytest.raises(tpmclassify.BatchError, match=r"already exists \(written by another run meanwhile\)"):
            classify_csv(src, out)
        assert out.read_text() == "the other run's output"
    else:
        monkeypatch.setattr(os, "replace", move_fails)
        with pytest.raises(tpmclassify.BatchError):
            classify_csv(src, out)
        assert not out.exists()
    assert not list(tmp_path.glob(".*"))  # no temporary file left


#: A process that locks a file as a run locks its temporary output, says so, and holds it until its input ends.
LOCKER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o666)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 128 + signal.SIGTERM)])
@pytest.mark.parametrize("command", ["batch", "audit"])
def test_an_interruption_lost_in_a_finalizer_still_publishes_nothing(tmp_path, src, monkeypatch, sig, status, command):
    """Ctrl-C or SIGTERM arriving while a finalizer ran (the regex package's, at start-up) raised its exception
    there, where Python only prints it: the run went on, published its outputs and exited 0."""
    import tpmclassify._batch as batch

    class Finalized:
        def __del__(self) -> None:
            signal.raise_signal(sig)  # the handler's exception is raised here, and swallowed

    real = batch.text_column_of

    def text_column_of(*args, **kwargs):
        Finalized()  # made and freed at once
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "text_column_of", text_column_of)
    if command == "audit":
        import tpmclassify._audit as audit

        monkeypatch.setattr(audit, "text_column_of", text_column_of)
    lost: list[type[BaseException]] = []  # what Python would print of the lost exception
    monkeypatch.setattr(sys, "unraisablehook", lambda u: lost.append(u.exc_type))
    out = tmp_path / ("out.csv" if command == "batch" else "out.html")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as a command starts (whatever ran before)
    try:
        assert main([command, str(src), "-o", str(out), "-q", "--title-column", "title"]) == status
    finally:
        signal.signal(signal.SIGINT, previous)
    assert lost and issubclass(lost[0], KeyboardInterrupt)  # (it was lost there)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # no output, no flags CSV, no temporary file


def test_an_applications_own_ctrl_c_handler_is_left_to_it(tmp_path, src, monkeypatch):
    """main() called from an application with a Ctrl-C handler of its own (a flag for a graceful stop) replaced it
    for the run: the application never heard of a Ctrl-C. Only Python's own handler is replaced."""
    import tpmclassify._batch as batch

    seen = []
    real = batch.text_column_of

    def text_column_of(*args, **kwargs):
        seen.append(signal.getsignal(signal.SIGINT))
        return real(*args, **kwargs)

    def own(signum, frame):  # the application's
        pass

    monkeypatch.setattr(batch, "text_column_of", text_column_of)
    previous = signal.signal(signal.SIGINT, own)
    try:
        assert main(["batch", str(src), "-o", str(tmp_path / "out.csv"), "-q"]) == 0
        assert seen == [own] and signal.getsignal(signal.SIGINT) is own
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("name", ["a" * 240 + ".csv", "é" * 120 + ".csv"])  # (244 and 244 bytes: legal names)
def test_a_legal_output_name_is_never_refused_for_its_temporary_files(tmp_path, src, name):
    """From a batch user's review: an output name of 229 to 255 bytes was refused as "File name too long", its
    temporary file's name (the target's and about 25 characters more) being the one too long."""
    summary = classify_csv(src, tmp_path / name, overwrite=False)
    assert summary.rows == 10 and sorted(os.listdir(tmp_path)) == sorted(["in.csv", name])
    classify_csv(src, tmp_path / name, overwrite=True)  # (the probe, the lock and the part all fit, again)
    assert sorted(os.listdir(tmp_path)) == sorted(["in.csv", name])


@pytest.mark.parametrize("overwrite", [False, True])
def test_an_output_is_on_disk_before_its_name_and_its_name_after(tmp_path, src, monkeypatch, overwrite):
    """From a batch user's review: nothing was synced, so a power cut after a run could leave its output published
    empty or cut short (ext4's and XFS's delayed allocation). The file's data are synced before it is named, and the
    folder after."""
    said = []
    sync, link, replace = os.fsync, os.link, os.replace

    def fsync(fd):
        said.append(("sync", "folder" if os.path.isdir(f"/proc/self/fd/{fd}") else "file"))
        return sync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "link", lambda a, b, **k: said.append(("name", Path(b).name)) or link(a, b, **k))
    monkeypatch.setattr(os, "replace", lambda a, b: said.append(("name", Path(b).name)) or replace(a, b))
    classify_csv(src, tmp_path / "out.csv", overwrite=overwrite)
    published = said.index(("name", "out.csv"))
    assert ("sync", "file") in said[:published] and said[published + 1 :] == [("sync", "folder")]
