"""The baselines on simulated multi-coil data with a known answer: fully sampled data are reconstructed
exactly, SENSE and CS beat zero-filling at 4x, the mask is taken from the file or detected, and the output
is cropped to the header's reconstruction matrix."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
import torch
from denoisekit_mri.acquisition import detect_mask
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.formats import make_header
from denoisekit_mri.masks import equispaced_lines
from denoisekit_mri.reconstruction import cs_wavelet, sense, wavelet_prox
from denoisekit_mri.sample import source_images
from denoisekit_mri.simulate import acquire, coil_maps, rss_image

from denoisekit.api import wavedec2
from denoisekit.testing import cli


@pytest.fixture(scope="module")
def volume():
    """Two 64 x 64 brain slices of pydicom-data (emri_small) inside a 96 x 96 field of view, 8 coils, fully
    sampled with noise of std 0.003 (image max 1), and the RSS."""
    rng = np.random.default_rng(0)
    images = np.pad(source_images()[1][:2], ((0, 0), (16, 16), (16, 16)))
    maps = coil_maps((96, 96), 8)
    full = np.stack([acquire(im.astype(np.complex64), maps, 0.003, rng) for im in images])
    return full, rss_image(full)


def _write(path, kspace, mask=None, header=None):
    with h5py.File(path, "w") as h5:
        h5.create_dataset("kspace", data=kspace)
        if mask is not None:
            h5.create_dataset("mask", data=mask)
        if header is not None:
            h5.create_dataset("ismrmrd_header", data=header.encode())
    return path


def _run(tmp_path, capsys, pipeline, path, reference, *settings):
    out = tmp_path / pipeline.replace("/", "_")
    sets = [a for s in settings for a in ("--set", s)]
    code = cli(["run", pipeline, "-i", str(path), "-r", str(reference), "-o", str(out), "--quiet", *sets])
    assert code == 0, capsys.readouterr().err
    return json.loads((out / "metrics.json").read_text())["output"], json.loads((out / "run.json").read_text())


def test_fully_sampled_data_are_reconstructed_exactly(volume, tmp_path, capsys):
    full, reference = volume
    path = _write(tmp_path / "full.h5", full)
    with h5py.File(tmp_path / "ref.h5", "w") as h5:
        h5.create_dataset("reconstruction_rss", data=reference)
    metrics, run = _run(tmp_path, capsys, "mri/zero-filled", path, tmp_path / "ref.h5")
    assert metrics["mri_nmse"] < 1e-10 and run["notes"]["acceleration"] == 1.0


def test_sense_and_cs_beat_zero_filling_at_4x(volume, tmp_path, capsys):
    full, reference = volume
    mask, _ = equispaced_lines(96, 4, 0.12, np.random.default_rng(0))
    path = _write(tmp_path / "k4.h5", full * mask, mask)
    with h5py.File(tmp_path / "ref.h5", "w") as h5:
        h5.create_dataset("reconstruction_rss", data=reference)
    zf, run = _run(tmp_path, capsys, "mri/zero-filled", path, tmp_path / "ref.h5")
    assert run["notes"]["mask_source"] == "file" and run["notes"]["acceleration"] == pytest.approx(4.0, rel=0.05)
    sn, _ = _run(tmp_path, capsys, "mri/sense", path, tmp_path / "ref.h5")
    cs, _ = _run(tmp_path, capsys, "mri/cs-wavelet", path, tmp_path / "ref.h5", "iterations=40")
    assert sn["mri_psnr"] > zf["mri_psnr"] + 2 and cs["mri_psnr"] > zf["mri_psnr"] + 2
    assert cs["mri_ssim"] > zf["mri_ssim"] and cs["mri_nmse"] < 0.7 * zf["mri_nmse"]


def test_mask_detection():
    kspace = np.zeros((2, 3, 8, 10), np.complex64)
    kspace[..., [1, 4, 5]] = 1
    mask, source = detect_mask(kspace)
    assert source == "columns" and mask.shape == (1, 1, 1, 10) and mask[0, 0, 0].tolist() == [
        0, 1, 0, 0, 1, 1, 0, 0, 0, 0]
    kspace = np.ones((2, 3, 8, 10), np.complex64)
    kspace[0, :, ::2, 3] = 0
    kspace[1, :, 1::3, 0] = 0
    mask, source = detect_mask(kspace)
    assert source == "points" and mask.shape == (2, 1, 8, 10) and mask.sum() == 160 - 4 - 3


def test_output_is_cropped_to_the_header_recon_matrix(volume, tmp_path, capsys):
    full, _ = volume
    path = _write(tmp_path / "crop.h5", full, header=make_header((96, 96), (32, 40)))
    out = tmp_path / "o"
    assert cli(["run", "mri/zero-filled", "-i", str(path), "-o", str(out), "--quiet"]) == 0, capsys.readouterr().err
    with h5py.File(out / "crop.h5") as h5:
        recon = h5["reconstruction"][()]
    assert recon.shape == (2, 32, 40)
    np.testing.assert_allclose(recon, rss_image(full)[:, 32:64, 28:68], rtol=1e-5, atol=1e-6)


def test_sense_solves_the_normal_equations_and_fista_lowers_the_objective(volume):
    full, _ = volume
    mask, _ = equispaced_lines(96, 4, 0.12, np.random.default_rng(0))
    m = torch.from_numpy(mask.astype(np.float32))
    op = MultiCoilCartesian(torch.from_numpy(coil_maps((96, 96), 8))[None], m)
    y = torch.from_numpy(full[:1]) * m
    x = sense(op, y, 60, 0.01)
    residual = op.normal(x) + 0.01 * x - op.A_adjoint(y)
    assert float(torch.linalg.vector_norm(residual) / torch.linalg.vector_norm(op.A_adjoint(y))) < 1e-4

    lam = 0.01
    threshold = lam * float(op.A_adjoint(y).abs().max())

    def objective(z):
        coefficients = wavedec2(torch.cat([z.real, z.imag]), 3, 4)[1]
        l1 = sum(float(torch.complex(d[:1], d[1:]).abs().sum()) for d in coefficients)
        return 0.5 * float(torch.linalg.vector_norm(op.A(z) - y) ** 2) + threshold * l1

    values = [objective(cs_wavelet(op, y, lam, n, 3, 4, 1.0)) for n in (0, 5, 30)]
    assert values[0] > values[1] > values[2]
    sparse = cs_wavelet(op, y, lam, 30, 3, 4, 1.0)
    torch.testing.assert_close(wavelet_prox(sparse, 0.0, 3, 4), sparse, rtol=1e-4, atol=1e-5)  # orthonormal


def test_nifti_reference(volume, tmp_path, capsys):
    import nibabel as nib

    full, reference = volume
    path = _write(tmp_path / "full.h5", full)
    nib.save(nib.Nifti1Image(np.moveaxis(reference, 0, -1), np.eye(4)), tmp_path / "ref.nii.gz")  # (x, y, z)
    metrics, _ = _run(tmp_path, capsys, "mri/zero-filled", path, tmp_path / "ref.nii.gz")
    assert metrics["mri_nmse"] < 1e-10
