"""Output safety of `denoisekit run`, `train` and `demo`: --overwrite never deletes a user's folder,
one writer per output, and mistakes in the output, input or seed are one line before any work starts."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import denoisekit.runner
from denoisekit.atomic import MARKER, output_lock
from denoisekit.cli import main

FAST = ["--set", "iterations=5", "--quiet"]


@pytest.fixture
def noisy(tmp_path):
    path = tmp_path / "noisy.npy"
    np.save(path, np.random.default_rng(0).random((32, 32)).astype(np.float32))
    return path


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if the run reads its input: every error here must come before that."""
    def read(*args, **kwargs):
        raise AssertionError("the input was read before the error")

    monkeypatch.setattr(denoisekit.runner, "read_checked", read)


def one_error(capsys, args, expected):
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert expected in err and ".partial-" not in err, err
    return err


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_overwrite_refuses_the_current_directory(noisy, tmp_path, monkeypatch, capsys, no_work):
    (tmp_path / "thesis.tex").write_text("years of work")
    monkeypatch.chdir(tmp_path)
    one_error(capsys, ["run", "image/zs-n2n", "-i", "noisy.npy", "-o", ".", "--overwrite", *FAST],
              "is the current directory")
    assert listing(tmp_path) == ["noisy.npy", "thesis.tex"]


def test_overwrite_refuses_the_folder_of_the_input(noisy, tmp_path, capsys, no_work):
    (tmp_path / "notes.txt").write_text("mine")
    one_error(capsys, ["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path), "--overwrite", *FAST],
              f"holds the input {noisy}")
    (tmp_path / MARKER).write_text("{}")  # even an earlier output is kept when it holds the input
    one_error(capsys, ["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path), "--overwrite", *FAST],
              "holds the input")
    assert listing(tmp_path) == [MARKER, "noisy.npy", "notes.txt"]


def test_a_second_run_on_the_same_output_fails_before_it_starts(noisy, tmp_path, capsys, no_work):
    out = tmp_path / "out"
    with output_lock(out):  # another run holds the output
        one_error(capsys, ["run", "image/zs-n2n", "-i", str(noisy), "-o", str(out), "--overwrite", *FAST],
                  f"{out}: another denoisekit run is writing it")
    assert listing(tmp_path) == ["noisy.npy"]


@pytest.mark.parametrize("where, expected", [
    ("file", "exists and is not a directory"),
    ("file/out", "is a file, not a folder"),
])
def test_an_output_in_a_file_s_place_is_refused_before_work(noisy, tmp_path, capsys, no_work, where, expected):
    (tmp_path / "file").write_text("x")
    one_error(capsys, ["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path / where), *FAST],
              f"{tmp_path / where}: ")
    assert (tmp_path / "file").read_text() == "x"


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder this user cannot write into: a 0555 folder, or /sys for root (who ignores modes)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        for candidate in (folder, Path("/sys")):
            try:
                (candidate / "dk-probe").mkdir()
                (candidate / "dk-probe").rmdir()
            except OSError:
                yield candidate
                return
        pytest.skip("no read-only folder available to this user")
    finally:
        folder.chmod(0o755)


def test_a_read_only_output_location_is_refused_before_work(noisy, read_only_folder, capsys, no_work):
    out = read_only_folder / "out"
    one_error(capsys, ["run", "image/zs-n2n", "-i", str(noisy), "-o", str(out), *FAST],
              f"{out}: cannot write into {read_only_folder} (")


@pytest.mark.parametrize("name, expected", [("series1", "folder not found"), ("scan.npy", "file not found")])
def test_a_missing_input_is_not_found_whatever_its_name(tmp_path, capsys, name, expected):
    path = tmp_path / name
    one_error(capsys, ["run", "image/zs-n2n", "-i", str(path), "-o", str(tmp_path / "o"), *FAST],
              f"{path}: {expected}")


def test_an_input_without_read_permission_is_one_line_as_any_user(noisy, tmp_path, capsys, monkeypatch):
    """The same check where the tests run as root (who reads every file): the permission test is os.access."""
    access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path) != noisy and access(path, mode, **kw))
    one_error(capsys, ["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path / "o"), *FAST],
              f"{noisy}: permission denied")
    assert not (tmp_path / "o").exists()


def test_a_config_file_without_read_permission_is_one_line(noisy, tmp_path, capsys, monkeypatch):
    config = tmp_path / "c.toml"
    config.write_text("iterations = 2\n")
    real_open = Path.open

    def refuse(self, *args, **kwargs):
        if self == config:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    one_error(capsys, ["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path / "o"), "-c", str(config)],
              f"{config}: cannot read the config file (Permission denied)")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_input_is_one_line(noisy, tmp_path, capsys):
    noisy.chmod(0)
    one_error(capsys, ["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path / "o"), *FAST],
              f"{noisy}: permission denied")


@pytest.mark.parametrize("command", ["run", "train"])
@pytest.mark.parametrize("seed", [str(2**70), str(2**63), "-1"])
def test_a_seed_out_of_range_is_one_line(noisy, tmp_path, capsys, command, seed):
    args = (["run", "image/zs-n2n", "-i", str(noisy)] if command == "run"
            else ["train", "image/ddim", "-d", str(tmp_path)])
    one_error(capsys, [*args, "-o", str(tmp_path / "o"), "--seed", seed, "--quiet"],
              f"--seed {seed}: must be an integer from 0 to {2**63 - 1}")
    assert not (tmp_path / "o").exists()


def test_the_largest_seed_runs(noisy, tmp_path, capsys):
    assert main(["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path / "o"), "--seed", str(2**63 - 1),
                 *FAST]) == 0, capsys.readouterr().err
    from denoisekit.pipeline import RunContext

    RunContext(device="cpu", seed=2**63 - 1).generator(10**6)  # a per-slice offset on top stays valid


def test_a_failing_pipeline_names_itself_and_its_plugin(noisy, tmp_path, capsys, monkeypatch):
    import denoisekit
    import denoisekit.image.zs_n2n

    def broken(*args, **kwargs):
        raise ValueError("the plugin's own bug")

    monkeypatch.setattr(denoisekit.image.zs_n2n, "train", broken)
    err = one_error(capsys, ["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path / "o"), *FAST],
                    "error: pipeline image/zs-n2n (plugin image, denoisekit ")
    assert f"denoisekit {denoisekit.__version__}) failed: ValueError: the plugin's own bug" in err
    assert not (tmp_path / "o").exists()


def test_train_overwrite_refuses_a_user_folder_and_the_data_folder(tmp_path, capsys):
    data = tmp_path / "images"
    data.mkdir()
    (data / "0.png").write_bytes(b"")
    one_error(capsys, ["train", "image/ddim", "-d", str(data), "-o", str(tmp_path), "--overwrite", "--quiet"],
              "holds the input")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    one_error(capsys, ["train", "image/ddim", "-d", str(data), "-o", str(mine), "--overwrite", "--quiet"],
              "not an earlier denoisekit output")
    with output_lock(tmp_path / "busy"):
        one_error(capsys, ["train", "image/ddim", "-d", str(data), "-o", str(tmp_path / "busy"), "--quiet"],
                  "another denoisekit run is writing it")
    assert listing(mine) == ["notes.txt"] and listing(data) == ["0.png"]
    assert listing(tmp_path) == ["images", "mine"]


def test_demo_overwrite_refuses_a_user_folder(tmp_path, capsys, no_work):
    (tmp_path / "image").mkdir()
    (tmp_path / "image" / "keep.txt").write_text("mine")
    code = main(["demo", "image", "-o", str(tmp_path), "--overwrite", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and f"error: {tmp_path / 'image'}: not an earlier denoisekit output" in err
    assert listing(tmp_path / "image") == ["keep.txt"]


def test_data_build_overwrite_keeps_the_current_directory_and_cleans_killed_builds(tmp_path, capsys, monkeypatch):
    root = tmp_path / "root"
    (root / "image-sample").mkdir(parents=True)
    (root / "image-sample" / "notes.txt").write_text("mine")
    monkeypatch.chdir(root / "image-sample")
    one_error(capsys, ["data", "build", "image-sample", "--root", str(root), "--overwrite", "--quiet"],
              "is the current directory")
    assert listing(root / "image-sample") == ["notes.txt"]
    monkeypatch.chdir(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (root / f".image-sample.partial-{dead.pid}-0123abcd").mkdir()  # what a killed build leaves
    previous = os.umask(0o022)
    try:
        assert main(["data", "build", "image-sample", "--root", str(root), "--overwrite", "--quiet"]) == 0
    finally:
        os.umask(previous)
    assert listing(root) == ["image-sample"]
    assert (root / "image-sample").stat().st_mode & 0o777 == 0o755
