"""mri/zs-ssl and mri/noise2recon through the CLI: a zero-shot run, a training run on a folder of fastMRI files
whose weights the pipeline then loads, and bad input refused with one line and exit 2, nothing written."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
from denoisekit_mri.masks import equispaced_lines
from denoisekit_mri.sample import source_images
from denoisekit_mri.simulate import acquire, coil_maps, rss_image

from denoisekit.testing import cli

TINY = ["--set", "unrolls=1", "--set", "features=4", "--set", "blocks=1", "--set", "cg_iterations=2"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two fully sampled 64 x 64 4-coil slices (labelled), one undersampled file with its mask (unlabelled), the
    undersampled input and the RSS reference."""
    root = tmp_path_factory.mktemp("mri")
    rng = np.random.default_rng(0)
    images = source_images()[1]
    maps = coil_maps((64, 64), 4)
    full = np.stack([acquire(im.astype(np.complex64), maps, 0.005, rng) for im in images])
    mask, _ = equispaced_lines(64, 4, 0.125, rng)
    train = root / "train"
    train.mkdir()
    for name, kspace, m in (("full_a.h5", full[:1], None), ("full_b.h5", full[1:2], None),
                            ("under.h5", full[2:] * mask, mask)):
        with h5py.File(train / name, "w") as h5:
            h5.create_dataset("kspace", data=kspace)
            if m is not None:
                h5.create_dataset("mask", data=m)
    with h5py.File(root / "input.h5", "w") as h5:
        h5.create_dataset("kspace", data=full[2:] * mask)
        h5.create_dataset("mask", data=mask)
    with h5py.File(root / "reference.h5", "w") as h5:
        h5.create_dataset("reconstruction_rss", data=rss_image(full[2:]))
    with h5py.File(root / "fully_sampled.h5", "w") as h5:
        h5.create_dataset("kspace", data=full[2:])
    return root


def _error(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    return lines[-1] if lines else ""


def test_zs_ssl_runs_and_writes_a_reconstruction(folder, tmp_path, capsys):
    out = tmp_path / "zs"
    code = cli(["run", "mri/zs-ssl", "-i", str(folder / "input.h5"), "-r", str(folder / "reference.h5"),
                "-o", str(out), "--quiet", "--set", "iterations=3", "--set", "masks=2", *TINY])
    assert code == 0, capsys.readouterr().err
    with h5py.File(out / "input.h5", "r") as h5:
        assert h5["reconstruction"].shape == (1, 64, 64)
    run = json.loads((out / "run.json").read_text())
    assert run["notes"]["steps"] == [3] and run["notes"]["acceleration"] > 2
    assert "mri_psnr" in json.loads((out / "metrics.json").read_text())["output"]


def test_zs_ssl_refuses_fully_sampled_k_space(folder, tmp_path, capsys):
    out = tmp_path / "zs"
    assert cli(["run", "mri/zs-ssl", "-i", str(folder / "fully_sampled.h5"), "-o", str(out), "--quiet"]) == 2
    error = _error(capsys)
    assert "needs undersampled k-space" in error and "fully_sampled.h5" in error
    assert not out.exists()


def test_train_then_run_with_the_trained_weights(folder, tmp_path, capsys):
    trained = tmp_path / "trained"
    code = cli(["train", "mri/noise2recon", "--data", str(folder / "train"), "--output", str(trained), "--quiet",
                "--set", "iterations=4", *TINY])
    assert code == 0, capsys.readouterr().err
    notes = json.loads((trained / "train.json").read_text())["notes"]
    assert notes["labelled_slices"] == 2 and notes["unlabelled_slices"] == 1
    out = tmp_path / "n2r"
    code = cli(["run", "mri/noise2recon", "-i", str(folder / "input.h5"), "-r", str(folder / "reference.h5"),
                "-o", str(out), "--quiet", "--set", f"weights={trained / 'weights.pt'}"])
    assert code == 0, capsys.readouterr().err
    with h5py.File(out / "input.h5", "r") as h5:
        assert h5["reconstruction"].shape == (1, 64, 64) and np.isfinite(h5["reconstruction"][()]).all()


def test_training_needs_a_fully_sampled_scan(folder, tmp_path, capsys):
    only = tmp_path / "only_under"
    only.mkdir()
    (only / "under.h5").write_bytes((folder / "train" / "under.h5").read_bytes())
    assert cli(["train", "mri/noise2recon", "--data", str(only), "--output", str(tmp_path / "o"), "--quiet"]) == 2
    assert "no fully sampled k-space file" in _error(capsys)
    assert not (tmp_path / "o" / "weights.pt").exists()


def test_training_refuses_a_reversed_noise_range(folder, tmp_path, capsys):
    assert cli(["train", "mri/noise2recon", "--data", str(folder / "train"), "--output", str(tmp_path / "o"),
                "--quiet", "--set", "sigma_low=0.1", "--set", "sigma_high=0.05"]) == 2
    assert "sigma_low" in _error(capsys)


def test_training_refuses_bad_accelerations(folder, tmp_path, capsys):
    assert cli(["train", "mri/noise2recon", "--data", str(folder / "train"), "--output", str(tmp_path / "o"),
                "--quiet", "--set", "accelerations=4,x"]) == 2
    assert "accelerations" in _error(capsys)


def test_run_refuses_weights_that_are_not_noise2recon_weights(folder, tmp_path, capsys):
    import torch

    bad = tmp_path / "bad.pt"
    torch.save({"something": torch.zeros(2)}, bad)
    out = tmp_path / "n2r"
    assert cli(["run", "mri/noise2recon", "-i", str(folder / "input.h5"), "-o", str(out), "--quiet",
                "--set", f"weights={bad}"]) == 2
    error = _error(capsys)
    assert "bad.pt" in error and "not mri/noise2recon weights" in error
    assert not out.exists()
