"""mri/cddpm-dc through the CLI: train on a folder of fully sampled fastMRI files, run with those weights, and
bad input (an image-only file, NaN k-space, foreign weights, an undersampled training folder, bad options)
refused with one line and exit 2, nothing written."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
import torch
from denoisekit_mri.masks import equispaced_lines
from denoisekit_mri.sample import source_images
from denoisekit_mri.simulate import acquire, coil_maps, rss_image

from denoisekit.testing import cli

TINY_TRAIN = ["--set", "iterations=3", "--set", "batch=2", "--set", "patch=32", "--set", "channels=4,8"]
TINY_RUN = ["--set", "steps=2", "--set", "cg_iterations=3"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two fully sampled 64 x 64 4-coil slices for training, an undersampled input with its RSS reference."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("mri")
    rng = np.random.default_rng(0)
    images = source_images()[1]
    full = np.stack([acquire(im.astype(np.complex64), coil_maps((64, 64), 4), 0.005, rng) for im in images])
    mask, _ = equispaced_lines(64, 4, 0.125, rng)
    train = root / "train"
    train.mkdir()
    for i in range(2):
        with h5py.File(train / f"full_{i}.h5", "w") as h5:
            h5.create_dataset("kspace", data=full[i:i + 1])
    with h5py.File(root / "input.h5", "w") as h5:
        h5.create_dataset("kspace", data=full[2:] * mask)
        h5.create_dataset("mask", data=mask)
    with h5py.File(root / "reference.h5", "w") as h5:
        h5.create_dataset("reconstruction_rss", data=rss_image(full[2:]))
    bad = full[2:] * mask
    bad[0, 0, 3, 3] = np.nan
    with h5py.File(root / "nan.h5", "w") as h5:
        h5.create_dataset("kspace", data=bad)
    return root


def _error(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    return lines[-1] if lines else ""


@pytest.fixture(scope="module")
def trained(folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("trained") / "w"
    assert cli(["train", "mri/cddpm-dc", "--data", str(folder / "train"), "--output", str(out), "--quiet",
                *TINY_TRAIN]) == 0
    return out


def test_train_then_run_with_the_trained_weights(folder, trained, tmp_path, capsys):
    notes = json.loads((trained / "train.json").read_text())["notes"]
    assert notes["slices"] == 2 and notes["architecture"]["channels"] == [4, 8]
    out = tmp_path / "cddpm"
    code = cli(["run", "mri/cddpm-dc", "-i", str(folder / "input.h5"), "-r", str(folder / "reference.h5"),
                "-o", str(out), "--quiet", "--set", f"weights={trained / 'weights.pt'}", *TINY_RUN])
    assert code == 0, capsys.readouterr().err
    with h5py.File(out / "input.h5", "r") as h5:
        assert h5["reconstruction"].shape == (1, 64, 64) and np.isfinite(h5["reconstruction"][()]).all()
    run = json.loads((out / "run.json").read_text())
    assert run["notes"]["steps"] == 2 and run["notes"]["dc"] == "hard"
    assert "mri_psnr" in json.loads((out / "metrics.json").read_text())["output"]


def test_run_is_seeded(folder, trained, tmp_path, capsys):
    images = []
    for name in ("a", "b"):
        assert cli(["run", "mri/cddpm-dc", "-i", str(folder / "input.h5"), "-o", str(tmp_path / name), "--quiet",
                    "--seed", "3", "--set", f"weights={trained / 'weights.pt'}", "--set", "dc=soft",
                    *TINY_RUN]) == 0, capsys.readouterr().err
        with h5py.File(tmp_path / name / "input.h5", "r") as h5:
            images.append(h5["reconstruction"][()])
    assert np.array_equal(*images)


@pytest.mark.parametrize("name, expected", [("reference.h5", "needs k-space"), ("nan.h5", "nan")])
def test_run_refuses_bad_input(folder, trained, tmp_path, capsys, name, expected):
    out = tmp_path / "cddpm"
    assert cli(["run", "mri/cddpm-dc", "-i", str(folder / name), "-o", str(out), "--quiet",
                "--set", f"weights={trained / 'weights.pt'}", *TINY_RUN]) == 2
    error = _error(capsys)
    assert name in error and expected in error.lower()
    assert not out.exists()


def test_run_refuses_weights_that_are_not_cddpm_weights(folder, tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    torch.save({"something": torch.zeros(2)}, bad)
    out = tmp_path / "cddpm"
    assert cli(["run", "mri/cddpm-dc", "-i", str(folder / "input.h5"), "-o", str(out), "--quiet",
                "--set", f"weights={bad}"]) == 2
    error = _error(capsys)
    assert "bad.pt" in error and "not mri/cddpm-dc weights" in error
    assert not out.exists()


def test_training_refuses_an_undersampled_file(folder, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "input.h5").write_bytes((folder / "input.h5").read_bytes())
    assert cli(["train", "mri/cddpm-dc", "--data", str(data), "--output", str(tmp_path / "o"), "--quiet"]) == 2
    error = _error(capsys)
    assert "input.h5" in error and "fully sampled" in error
    assert not (tmp_path / "o" / "weights.pt").exists()


@pytest.mark.parametrize("options, expected", [(["acceleration_low=8", "acceleration_high=4"], "acceleration_low"),
                                               (["patch=128"], "patch 128")])
def test_training_refuses_bad_options(folder, tmp_path, capsys, options, expected):
    args = [a for o in options for a in ("--set", o)]
    assert cli(["train", "mri/cddpm-dc", "--data", str(folder / "train"), "--output", str(tmp_path / "o"),
                "--quiet", *args]) == 2
    assert expected in _error(capsys)
    assert not (tmp_path / "o" / "weights.pt").exists()
