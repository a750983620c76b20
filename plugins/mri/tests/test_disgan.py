"""mri/disgan: the 3-D Haar DWT, k-space resizing, the generator's training, NIfTI in and out through the CLI
(shape and voxel size of the super-resolved volume), and bad input refused with one line and exit 2."""

from __future__ import annotations

import json

import nibabel as nib
import numpy as np
import pytest
import torch
from denoisekit_mri.disgan_networks import Generator, WaveletDiscriminator
from denoisekit_mri.disgan_train import train as train_generator
from denoisekit_mri.disgan_train import training_pair
from denoisekit_mri.disgan_wavelet import dwt3, idwt3
from denoisekit_mri.formats import read_nifti, write_nifti
from denoisekit_mri.volume_kspace import scaled_affine, sinc_upsample, truncate
from denoisekit_mri.volume_sample import build_disgan_sample, phantom, write_volume

from denoisekit.testing import cli

TINY = {"features": 4, "growth": 2, "blocks": 1, "disc_features": 2, "batch": 1, "patch": 8, "lr": 5e-3,
        "adversarial": 1e-3, "checkpoint_every": 1000, "scale": 2, "axes": "all"}


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two 16^3 phantoms to train on, the 8^3 input (2 mm) / 16^3 reference pair and tiny trained weights."""
    root = tmp_path_factory.mktemp("disgan")
    rng = np.random.default_rng(1)
    (root / "train").mkdir()
    for i in range(2):
        write_volume(root / "train" / f"v{i}.nii.gz", phantom((16, 16, 16), rng).astype(np.float32))
    build_disgan_sample(root)
    args = [f"{k}={v}" for k, v in TINY.items() if k not in ("lr", "checkpoint_every")]
    code = cli(["train", "mri/disgan", "--data", str(root / "train"), "--output", str(root / "w"), "--quiet",
                "--set", "iterations=2", *[a for s in args for a in ("--set", s)]])
    assert code == 0
    return root


def _error(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    return lines[-1] if lines else ""


def test_haar_dwt3_is_orthogonal():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 4, 6, 8, generator=g, dtype=torch.float64)
    y = torch.randn(2, 24, 2, 3, 4, generator=g, dtype=torch.float64)
    wx = dwt3(x)
    assert wx.shape == (2, 24, 2, 3, 4)
    torch.testing.assert_close(idwt3(wx), x, rtol=0, atol=1e-12)                     # perfect reconstruction
    torch.testing.assert_close(wx.square().sum(), x.square().sum(), rtol=1e-12, atol=0)  # Parseval
    torch.testing.assert_close((wx * y).sum(), (x * idwt3(y)).sum(), rtol=1e-12, atol=0)  # inverse = adjoint
    # a constant 2x2x2 block has all its energy in the LLL band: 8 / sqrt(8)
    band = dwt3(torch.ones(1, 1, 2, 2, 2, dtype=torch.float64)).flatten()
    torch.testing.assert_close(band, torch.tensor([8 ** 0.5] + [0.0] * 7, dtype=torch.float64))


def test_kspace_truncation_samples_a_band_limited_volume_and_zero_padding_inverts_it():
    z = torch.arange(16, dtype=torch.float64)
    wave = 2 + torch.cos(2 * torch.pi * 3 * z / 16)                    # band-limited below the LR Nyquist
    volume = wave[:, None, None] * wave[None, :, None] * wave[None, None, :]
    low = truncate(volume, (2, 2, 2))
    assert low.shape == (8, 8, 8)
    torch.testing.assert_close(low.double(), volume[::2, ::2, ::2], rtol=1e-5, atol=1e-5)  # LR i = HR 2 i
    torch.testing.assert_close(sinc_upsample(low, (2, 2, 2)).double(), volume, rtol=1e-5, atol=1e-5)
    assert truncate(volume, (2, 1, 1)).shape == (8, 16, 16)


def test_discriminator_scores_every_voxel_and_the_patch():
    voxels, patch = WaveletDiscriminator(4, 2)(torch.randn(2, 1, 8, 12, 16))
    assert voxels.shape == (2, 1, 8, 12, 16) and patch.shape == (2,)


def test_training_lowers_the_content_loss():
    volumes = [phantom((16, 16, 16), np.random.default_rng(i)) for i in range(2)]
    pairs = [training_pair(v, (2, 2, 2)) for v in volumes]

    def content(net: Generator) -> float:
        with torch.no_grad():
            return float(np.mean([(net(torch.from_numpy(p["x"])[None]) - torch.from_numpy(p["y"])[None]).abs().mean()
                                  for p in pairs]))

    with torch.random.fork_rng():
        torch.manual_seed(0)
        before = content(Generator(4, 2, 1))
    net, _ = train_generator(volumes, {**TINY, "iterations": 40}, "cpu", 0)
    after = content(net)
    assert after < 0.8 * before, (before, after)


def test_super_resolution_through_the_cli_doubles_the_grid_and_halves_the_voxels(folder, tmp_path, capsys):
    out = tmp_path / "sr"
    code = cli(["run", "mri/disgan", "-i", str(folder / "disgan_input.nii.gz"), "-r",
                str(folder / "disgan_reference.nii.gz"), "-o", str(out), "--quiet", "--set", "tile=8",
                "--set", f"weights={folder / 'w' / 'weights.pt'}"])
    assert code == 0, capsys.readouterr().err
    written = nib.load(out / "disgan_input.nii.gz")
    assert written.shape == (16, 16, 16)
    np.testing.assert_allclose(written.header.get_zooms(), (1.0, 1.0, 1.0))
    np.testing.assert_allclose(written.affine[:3, :3], np.eye(3))
    assert np.isfinite(written.get_fdata()).all()
    assert "mri_psnr" in json.loads((out / "metrics.json").read_text())["output"]
    # the slice axis alone: (x, y) keep 2 mm, z goes to 1 mm
    out = tmp_path / "slice"
    assert cli(["run", "mri/disgan", "-i", str(folder / "disgan_input.nii.gz"), "-o", str(out), "--quiet",
                "--set", "axes=slice", "--set", f"weights={folder / 'w' / 'weights.pt'}"]) == 0
    written = nib.load(out / "disgan_input.nii.gz")
    assert written.shape == (8, 8, 16)
    np.testing.assert_allclose(written.header.get_zooms(), (2.0, 2.0, 1.0))


def test_nifti_round_trip_keeps_the_scaled_affine(tmp_path):
    sample = read_nifti(build_disgan_sample(tmp_path).input)
    affine = np.array([[0, -2.0, 0, 10], [2.0, 0, 0, -5], [0, 0, 3.0, 7], [0, 0, 0, 1]])
    up = sinc_upsample(torch.from_numpy(sample.array), (2, 1, 1)).numpy()
    meta = {**sample.meta, "affine": scaled_affine(affine, (2, 1, 1))}
    path = tmp_path / "out.nii.gz"
    write_nifti(type(sample)(up, "DHW", "mri-nifti", meta), path)
    back = read_nifti(path)
    np.testing.assert_array_equal(back.array, up)
    np.testing.assert_allclose(back.meta["affine"][:3, 3], affine[:3, 3])       # origin kept
    np.testing.assert_allclose(nib.load(path).header.get_zooms(), (2.0, 2.0, 1.5))  # z (the D axis) halved


def test_bad_inputs_give_one_line_and_write_nothing(folder, tmp_path, capsys):
    weights = ["--set", f"weights={folder / 'w' / 'weights.pt'}"]
    garbage = tmp_path / "garbage.nii.gz"
    garbage.write_bytes(b"not a volume at all")
    nan = tmp_path / "nan.nii.gz"
    volume = np.ones((8, 8, 8), dtype=np.float32)
    volume[2, 3, 4] = np.nan
    write_volume(nan, volume)
    flat = tmp_path / "flat.nii.gz"
    nib.save(nib.Nifti1Image(np.ones((8, 8), dtype=np.float32), np.eye(4)), flat)
    for path, words in ((garbage, "not a readable NIfTI"), (nan, "NaN"), (flat, "needs a 3-D volume")):
        out = tmp_path / f"out_{path.name}"
        assert cli(["run", "mri/disgan", "-i", str(path), "-o", str(out), "--quiet", *weights]) == 2
        error = _error(capsys)
        assert path.name in error and words in error, error
        assert not out.exists()


def test_training_refuses_2d_images_and_bad_patches(folder, tmp_path, capsys):
    flat = tmp_path / "flat"
    flat.mkdir()
    nib.save(nib.Nifti1Image(np.ones((16, 16), dtype=np.float32), np.eye(4)), flat / "image.nii.gz")
    assert cli(["train", "mri/disgan", "--data", str(flat), "--output", str(tmp_path / "o"), "--quiet",
                "--set", "patch=8"]) == 2
    error = _error(capsys)
    assert "image.nii.gz" in error and "3-D volumes" in error
    assert cli(["train", "mri/disgan", "--data", str(folder / "train"), "--output", str(tmp_path / "o"), "--quiet",
                "--set", "patch=10"]) == 2
    assert "multiple of 4" in _error(capsys)
    assert not (tmp_path / "o" / "weights.pt").exists()


def test_resumed_training_matches_an_uninterrupted_run(tmp_path):
    """The discriminator's weights and Adam state ride in the Trainer's checkpoint: 2 + 2 steps == 4 steps."""
    volumes = [phantom((16, 16, 16), np.random.default_rng(i)) for i in range(2)]
    # at the default weight 1e-3 a critic lost on resume moves the generator by only ~1e-6: use 1
    config = {**TINY, "adversarial": 1.0, "checkpoint_every": 2}
    straight, _ = train_generator(volumes, {**config, "iterations": 4}, "cpu", 0)
    train_generator(volumes, {**config, "iterations": 2}, "cpu", 0, tmp_path)
    resumed, _ = train_generator(volumes, {**config, "iterations": 4}, "cpu", 0, tmp_path)
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6, msg=name)
