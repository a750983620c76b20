"""`denoisekit batch` on hyperspectral cubes: two ENVI cubes (header + data file) are two tasks whose outputs
equal `denoisekit run`'s, and a changed data file makes a re-run redo its cube."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from denoisekit_hsi.dataset import noisy_cube, write_cube
from denoisekit_hsi.formats import read_envi
from denoisekit_hsi.sample import make_cube

from denoisekit.testing import cli

torch.set_num_threads(1)


def write_scenes(folder: Path) -> Path:
    """``scene0.hdr`` + ``scene0.img`` and ``scene1.hdr`` + ``scene1.img``: 24 x 24 x 16 noisy cubes."""
    folder.mkdir(parents=True)
    for i in range(2):
        write_cube(noisy_cube(make_cube(24, 24, 16, seed=i), "gaussian"), folder / f"scene{i}.hdr", f"scene {i}")
    return folder


def cube(path: Path) -> np.ndarray:
    return np.asarray(read_envi(path).array)


def lines(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "batch.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("pipeline", ["hsi/hyres", "hsi/fasthyde"])
def test_two_envi_cubes_are_two_tasks_with_the_single_run_outputs(tmp_path, capsys, pipeline):
    scenes = write_scenes(tmp_path / "scenes")
    assert sorted(p.name for p in scenes.iterdir()) == ["scene0.hdr", "scene0.img", "scene1.hdr", "scene1.img"]
    out = tmp_path / "batch"
    code = cli(["batch", pipeline, "-i", str(scenes), "-o", str(out), "-w", "2", "--quiet"])
    stdout = capsys.readouterr().out
    assert code == 0, stdout
    assert "2 of 2 input(s) succeeded, 0 failed" in stdout  # the data files are not inputs of their own
    assert sorted(ln["stem"] for ln in lines(out)) == ["scene0", "scene1"]
    for stem in ("scene0", "scene1"):
        alone = tmp_path / f"run_{stem}"
        assert cli(["run", pipeline, "-i", str(scenes / f"{stem}.hdr"), "-o", str(alone), "--quiet"]) == 0
        batched = cube(out / stem / f"{stem}.hdr")
        np.testing.assert_array_equal(batched, cube(alone / f"{stem}.hdr"))
        assert batched.shape == (24, 24, 16) and not np.array_equal(batched, cube(scenes / f"{stem}.hdr"))


def test_a_changed_data_file_is_redone_on_resume(tmp_path, capsys):
    scenes = write_scenes(tmp_path / "scenes")
    out = tmp_path / "batch"
    args = ["batch", "hsi/hyres", "-i", str(scenes), "-o", str(out), "-w", "1", "--quiet"]
    assert cli(args) == 0
    first = {ln["stem"]: ln["checksum"] for ln in lines(out)}
    before = cube(out / "scene1" / "scene1.hdr")
    # same header, other data: the cube of scene0 in scene1's data file
    (scenes / "scene1.img").write_bytes((scenes / "scene0.img").read_bytes())
    capsys.readouterr()
    assert cli(args) == 0
    assert "(1 run now, 1 skipped)" in capsys.readouterr().out
    redone = lines(out)[-1]
    assert redone["stem"] == "scene1" and redone["checksum"] != first["scene1"]
    after = cube(out / "scene1" / "scene1.hdr")
    assert not np.array_equal(after, before)
    np.testing.assert_array_equal(after, cube(out / "scene0" / "scene0.hdr"))  # same data, same seed
