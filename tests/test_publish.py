"""Publishing outputs: no run replaces another's output, nothing that is not a regular file is replaced,
problems that can be found before classifying are, and signals clean up as Ctrl-C does."""

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    with pytest.raises(tpmclassify.BatchError, match="already exists"):
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
    assert err.count("\n") == 1 and "cannot write the output in /proc/self" in err


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


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_signalled_batch_leaves_no_part_file_and_no_workers(tmp_path, postings, sig):
    pytest.importorskip("psutil")
    work = tmp_path / "work"
    work.mkdir()
    big = work / "in.csv"
    frame = postings.drop(columns=["label"])
    frame.iloc[[i % len(frame) for i in range(100_000)]].to_csv(big, index=False)  # minutes of work
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
    with open(tmp_path / "stderr.txt", "w") as stderr:
        run = subprocess.Popen(cmd, stderr=stderr)
    try:
        _wait(lambda: len(_children(run.pid)) >= 1 and list(work.glob("*.part")), "a worker and a .part file")
        workers = _children(run.pid)
        run.send_signal(sig)
        code = run.wait(timeout=120)
        _wait(lambda: not any(_alive(w) for w in workers), "the workers to exit with their parent")
    finally:
        run.kill()
        run.wait()
    if sig == signal.SIGTERM:
        assert code == 128 + signal.SIGTERM
        assert "terminated; no output was written" in (tmp_path / "stderr.txt").read_text()
        assert sorted(p.name for p in work.iterdir()) == ["in.csv"]
    else:
        assert code == -signal.SIGKILL  # nothing can clean up after SIGKILL; the workers still end
        assert len(list(work.glob("*.part"))) == 1
        small = work / "small.csv"
        frame.head(3).to_csv(small, index=False)
        assert main(["batch", str(small), "-o", str(work / "out.csv"), "-q"]) == 0  # the next run on it removes it
        assert sorted(p.name for p in work.iterdir()) == ["in.csv", "out.csv", "small.csv"]


def test_only_the_temporary_files_of_dead_runs_are_removed(tmp_path, src):
    """A run removes what runs on its output killed outright left on this machine (a file nobody locks), and keeps a
    live run's (locked by its process), another machine's, another output's whose name begins like it, an older
    version's, a folder and a link."""
    import re
    import socket

    ours = f".out.csv.tpmc-{re.sub(r'[^A-Za-z0-9.-]', '_', socket.gethostname())}-"
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


#: A process that locks a file as a run locks its temporary output, says so, and holds it until its input ends.
LOCKER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o666)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""
