"""Atomic output directories: all or nothing, no overwrite without consent, and never of a user's folder."""

import json
import os
import signal
import subprocess
import sys

import pytest

from denoisekit.atomic import MARKER, atomic_directory, deferred_signals, output_lock, writing_directory
from denoisekit.errors import UserError


def earlier_output(folder, content="old"):
    """A folder as an earlier denoisekit run leaves it."""
    with atomic_directory(folder, record={"pipeline": "test/earlier"}) as tmp:
        (tmp / "old.txt").write_text(content)
    return folder


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_success_renames_into_place_with_a_marker(tmp_path):
    with atomic_directory(tmp_path / "out", record={"pipeline": "image/x"}) as tmp:
        (tmp / "a.txt").write_text("a")
        assert not (tmp_path / "out").exists()
        assert tmp.name.startswith(f".out.partial-{os.getpid()}-")
    assert (tmp_path / "out" / "a.txt").read_text() == "a"
    marker = json.loads((tmp_path / "out" / MARKER).read_text())
    assert marker["pipeline"] == "image/x" and marker["pid"] == os.getpid() and marker["time"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no partial folder, no lock file


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_failure_leaves_nothing(tmp_path, exc):
    with pytest.raises(exc), atomic_directory(tmp_path / "new" / "out") as tmp:
        (tmp / "half.txt").write_text("half")
        raise exc
    assert list(tmp_path.iterdir()) == []  # the parent it created is gone too


def test_existing_output_is_kept_unless_overwrite(tmp_path):
    out = earlier_output(tmp_path / "out")
    with pytest.raises(UserError, match="--overwrite"), atomic_directory(out):
        pass
    with pytest.raises(RuntimeError), atomic_directory(out, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
        raise RuntimeError
    assert (out / "old.txt").read_text() == "old"  # a failed overwrite keeps the old results
    with atomic_directory(out, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_overwrite_refuses_a_folder_denoisekit_did_not_write(tmp_path):
    out = tmp_path / "photos"
    out.mkdir()
    (out / "holiday.png").write_text("precious")
    with pytest.raises(UserError, match=f"{out}: not an earlier denoisekit output"), \
            atomic_directory(out, overwrite=True):
        pass
    assert (out / "holiday.png").read_text() == "precious"
    empty = tmp_path / "empty"
    empty.mkdir()
    with atomic_directory(empty, overwrite=True) as tmp:
        (tmp / "a.txt").write_text("a")
    assert (empty / "a.txt").is_file()


def test_overwrite_refuses_the_current_directory_and_folders_holding_an_input(tmp_path, monkeypatch):
    out = earlier_output(tmp_path / "out")
    (out / "input.png").write_text("input")
    with pytest.raises(UserError, match="holds the input"), \
            atomic_directory(out, overwrite=True, protect=[out / "input.png"]):
        pass
    monkeypatch.chdir(out)
    for target in (out, tmp_path):
        with pytest.raises(UserError, match="current directory"), atomic_directory(target, overwrite=True):
            pass
    assert (out / "input.png").read_text() == "input" and (out / "old.txt").is_file()


@pytest.mark.parametrize("where", ["out", "out/sub"])
def test_a_file_in_the_way_is_an_error(tmp_path, where):
    (tmp_path / "out").write_text("x")
    with pytest.raises(UserError, match="not a directory|is a file"), \
            atomic_directory(tmp_path / where, overwrite=True):
        pass
    assert (tmp_path / "out").read_text() == "x"


def test_a_second_writer_of_the_same_output_fails_at_once(tmp_path):
    out = tmp_path / "out"
    with output_lock(out), pytest.raises(UserError, match="another denoisekit run is writing"), \
            atomic_directory(out):
        pass
    assert not out.exists() and list(tmp_path.iterdir()) == []  # the lock file went with the lock
    with atomic_directory(out) as tmp:  # free again
        (tmp / "a.txt").write_text("a")
    assert (out / "a.txt").is_file()


def test_stale_partial_folders_of_dead_runs_are_removed(tmp_path):
    dead = dead_pid()
    stale = tmp_path / f".out.partial-{dead}-0123abcd"
    live = tmp_path / f".out.partial-{os.getppid()}-0123abcd"
    other = tmp_path / f".other.partial-{dead}-0123abcd"
    mine = tmp_path / ".out.partial-notes"  # not our pattern: a user's folder
    for folder in (stale, live, other, mine):
        folder.mkdir()
        (folder / "half.npy").write_text("half")
    with atomic_directory(tmp_path / "out") as tmp:
        (tmp / "a.txt").write_text("a")
    assert not stale.exists()
    assert live.is_dir() and other.is_dir() and mine.is_dir()


def test_an_old_output_moved_aside_by_a_killed_run_is_put_back(tmp_path):
    kept = tmp_path / f".out.old-{dead_pid()}-0123abcd"
    earlier_output(kept)
    with pytest.raises(UserError, match="not empty"), atomic_directory(tmp_path / "out"):
        pass
    assert (tmp_path / "out" / "old.txt").read_text() == "old" and not kept.exists()


@pytest.mark.parametrize("umask, mode", [(0o022, 0o755), (0o027, 0o750)])
def test_output_gets_the_umask_permissions(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        with atomic_directory(tmp_path / "out") as tmp:
            (tmp / "a.txt").write_text("a")
    finally:
        os.umask(previous)
    assert (tmp_path / "out").stat().st_mode & 0o777 == mode


def test_signals_wait_for_the_rename(tmp_path):
    class Stop(BaseException):
        pass

    def stop(signum, frame):
        raise Stop

    reached = []
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(Stop), writing_directory(tmp_path / "out") as tmp:
            (tmp / "a.txt").write_text("a")
            with deferred_signals():
                os.kill(os.getpid(), signal.SIGTERM)
                reached.append("end of block")  # the signal waits for the block's end
            raise AssertionError("not reached: the signal arrives when the block ends")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert reached == ["end of block"] and list(tmp_path.iterdir()) == []
