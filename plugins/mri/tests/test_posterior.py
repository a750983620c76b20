"""mri/diffusion-posterior: the data-consistency step against the exact posterior mean of a Gaussian prior, the
k-space noise estimate, consistency of the sampled image with the acquired samples, a short training run that
lowers the loss, and the CLI (train then run, bad input: one line, exit 2)."""

from __future__ import annotations

import json

import h5py
import nibabel as nib
import numpy as np
import pytest
import torch
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.masks import equispaced_lines
from denoisekit_mri.posterior import kspace_noise, reconstruct
from denoisekit_mri.posterior_net import ComplexPrior, edm_loss
from denoisekit_mri.posterior_train import train
from denoisekit_mri.simulate import acquire, coil_maps, smooth_phase

from denoisekit.api import DDIM, EDM, DataConsistency, RunContext
from denoisekit.testing import cli

torch.set_num_threads(1)


def _operator(h: int, w: int, coils: int, seed: int = 0) -> MultiCoilCartesian:
    g = torch.Generator().manual_seed(seed)
    maps = torch.randn((coils, h, w), generator=g, dtype=torch.complex128)
    maps = maps / torch.sqrt(torch.sum(maps.abs() ** 2, dim=0, keepdim=True))
    mask = (torch.rand(w, generator=g) < 0.5).to(torch.float64)
    mask[w // 2] = 1
    return MultiCoilCartesian(maps, mask)


def test_prox_step_is_the_gaussian_posterior_mean():
    """For x ~ CN(0, 2v I) (variance v per real coordinate) and y = A x + n, n of variance s^2 per real coordinate,
    E[x | y] = (A^H A + s^2 / v I)^{-1} A^H y: the DC step from x0_hat = 0 with gamma = v / s^2 (solved by CG on
    the multi-coil normal equations) must give it; the reference is a dense solve."""
    h, w, v, s = 4, 6, 0.7, 0.3
    op = _operator(h, w, 3)
    op.cg_iterations, op.cg_tol = 200, 1e-12
    n = h * w
    basis = torch.eye(n, dtype=torch.complex128).reshape(n, h, w)
    a = op.A(basis).reshape(n, -1).T  # column j = A e_j
    g = torch.Generator().manual_seed(1)
    y = op.A(torch.randn((1, h, w), generator=g, dtype=torch.complex128)) + \
        s * torch.randn((1, 3, h, w), generator=g, dtype=torch.complex128)
    expected = torch.linalg.solve(a.conj().T @ a + (s**2 / v) * torch.eye(n), a.conj().T @ y.reshape(-1))
    dc = DataConsistency(DDIM(), mode="prox", gamma=v / s**2)
    got = dc.consistent(torch.zeros((1, h, w), dtype=torch.complex128), 1.0, y, op, EDM())
    torch.testing.assert_close(got.reshape(-1), expected, rtol=1e-6, atol=1e-8)


def test_kspace_noise_estimate_finds_the_noise_of_the_outer_kspace():
    rng = np.random.default_rng(0)
    image = np.zeros((64, 64))
    image[16:48, 20:44] = 1.0
    sigma = 0.02
    kspace = torch.from_numpy(acquire(image.astype(np.complex64), coil_maps((64, 64), 4), sigma, rng))[None]
    mask = torch.ones((1, 1, 1, 64))
    estimate = kspace_noise(kspace, mask)
    assert abs(estimate - sigma / np.sqrt(2)) < 0.1 * sigma / np.sqrt(2)  # per real coordinate


def _tiny_slice() -> tuple[MultiCoilCartesian, torch.Tensor]:
    """Noiseless 4x k-space of a 32 x 32 complex ellipse, 4 coils."""
    h = w = 32
    maps = torch.from_numpy(coil_maps((h, w), 4))
    mask = torch.from_numpy(equispaced_lines(w, 4, 0.125, np.random.default_rng(0))[0].astype(np.float32))
    op = MultiCoilCartesian(maps, mask)
    yy, xx = np.mgrid[:h, :w]
    image = ((yy - 16) ** 2 / 100 + (xx - 16) ** 2 / 64 < 1) * smooth_phase((h, w), np.random.default_rng(1))
    return op, op.A(torch.from_numpy(image.astype(np.complex64))[None])


def _residual(sampler: str, zeta: float = 1.0, t_start: float = 1.0) -> float:
    """||A x - y|| / ||y|| of a 4-step reconstruction of the tiny slice with an untrained width-4 prior."""
    op, y = _tiny_slice()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        prior = ComplexPrior(width=4).eval().requires_grad_(False)
    config = {"sampler": sampler, "iterations": 4, "eta": 0.0, "lam": 1.0, "zeta": zeta, "cg_iterations": 50,
              "sigma_max": 10.0, "t_start": t_start}
    ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
    x, found = reconstruct(prior, op, y, config, ctx, torch.Generator().manual_seed(0))
    assert found["sigma_y"] == 0.0  # noiseless: dc projects (mode "project")
    return float(torch.linalg.vector_norm(op.A(x) - y) / torch.linalg.vector_norm(y))


@pytest.mark.parametrize("t_start", [1.0, 0.3])
def test_dc_reconstruction_reproduces_the_acquired_samples(t_start):
    """Noiseless data: dc projects onto A x = y at every step and at the end, whatever the prior (float32 CG),
    from noise (t_start = 1) or from the diffused SENSE image (CCDF)."""
    assert _residual("dc", t_start=t_start) < 5e-3


def test_dps_guidance_pulls_towards_the_data():
    """DPS's likelihood steps must fit the acquired samples better than the same run without them (zeta = 0)."""
    assert _residual("dps", zeta=10.0) < 0.5 * _residual("dps", zeta=0.0)


def test_a_slice_without_signal_reconstructs_to_zero():
    op, y = _tiny_slice()
    config = {"sampler": "dc", "iterations": 2, "eta": 0.0, "lam": 1.0, "zeta": 1.0, "cg_iterations": 5,
              "sigma_max": 10.0, "t_start": 0.5}
    ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
    x, _ = reconstruct(ComplexPrior(width=4).eval(), op, torch.zeros_like(y), config, ctx, torch.Generator())
    assert x.shape == (1, 32, 32) and not x.abs().any()


def test_training_lowers_the_denoising_loss():
    """60 steps on smooth complex blobs lower EDM's loss on a fixed held-out batch (same noise draws)."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:32, :32]
    images = []
    for _ in range(6):
        cy, cx, r = rng.uniform(10, 22, 2).tolist() + [rng.uniform(5, 10)]
        blob = ((yy - cy) ** 2 + (xx - cx) ** 2 < r * r).astype(np.float64)
        images.append((blob * smooth_phase((32, 32), rng)).astype(np.complex64))
    config = {"iterations": 60, "lr": 3e-3, "batch": 8, "crop": 16, "width": 8, "ema": 0.0, "checkpoint_every": 1000}
    held_out = torch.from_numpy(np.stack(images)[:, 8:24, 8:24].copy())

    def loss(prior: ComplexPrior) -> float:
        with torch.no_grad():
            return float(edm_loss(prior, held_out, torch.Generator().manual_seed(5)))

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        before = loss(ComplexPrior(width=8))
    trained, history = train(images, config, "cpu", seed=0)
    assert len(history) > 1
    assert loss(trained) < 0.8 * before


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A training folder (one complex NIfTI volume), a 4x 4-coil 32 x 32 k-space input and its reference."""
    root = tmp_path_factory.mktemp("posterior")
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:32, :32]
    images = [((yy - 16) ** 2 / 90 + (xx - 15) ** 2 / 60 < 1) * smooth_phase((32, 32), rng) for _ in range(3)]
    (root / "train").mkdir()
    nib.save(nib.Nifti1Image(np.moveaxis(np.stack(images).astype(np.complex64), 0, -1), np.eye(4)),
             root / "train" / "images.nii.gz")
    maps = coil_maps((32, 32), 4)
    full = np.stack([acquire(im.astype(np.complex64), maps, 0.01, rng) for im in images[:1]])
    mask, _ = equispaced_lines(32, 4, 0.25, rng)
    with h5py.File(root / "input.h5", "w") as h5:
        h5.create_dataset("kspace", data=full * mask)
        h5.create_dataset("mask", data=mask)
    with h5py.File(root / "reference.h5", "w") as h5:
        h5.create_dataset("reconstruction_rss", data=np.sqrt(np.sum(np.abs(
            np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(full, axes=(-2, -1)), norm="ortho"), axes=(-2, -1))) ** 2,
            axis=1)).astype(np.float32))
    with h5py.File(root / "single.h5", "w") as h5:  # single-coil (slices, H, W)
        h5.create_dataset("kspace", data=(np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(images[0]), norm="ortho"))
                                          * mask)[None].astype(np.complex64))
        h5.create_dataset("mask", data=mask)
    with h5py.File(root / "train_under.h5", "w") as h5:
        h5.create_dataset("kspace", data=full * mask)
        h5.create_dataset("mask", data=mask)
    return root


def _error(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    return lines[-1] if lines else ""


def test_train_then_run_through_the_cli(files, tmp_path, capsys):
    trained = tmp_path / "prior"
    code = cli(["train", "mri/diffusion-posterior", "--data", str(files / "train"), "--output", str(trained),
                "--quiet", "--set", "iterations=3", "--set", "batch=2", "--set", "crop=16", "--set", "width=4"])
    assert code == 0, capsys.readouterr().err
    notes = json.loads((trained / "train.json").read_text())["notes"]
    assert notes["slices"] == 3
    out = tmp_path / "run"
    code = cli(["run", "mri/diffusion-posterior", "-i", str(files / "input.h5"), "-r", str(files / "reference.h5"),
                "-o", str(out), "--quiet", "--set", f"weights={trained / 'weights.pt'}", "--set", "iterations=2",
                "--set", "cg_iterations=3", "--set", "calibration=8"])
    assert code == 0, capsys.readouterr().err
    with h5py.File(out / "input.h5", "r") as h5:
        assert h5["reconstruction"].shape == (1, 32, 32)
    assert json.loads((out / "run.json").read_text())["notes"]["sampler"] == "dc"
    single = tmp_path / "single"
    code = cli(["run", "mri/diffusion-posterior", "-i", str(files / "single.h5"), "-o", str(single), "--quiet",
                "--set", f"weights={trained / 'weights.pt'}", "--set", "iterations=2", "--set", "cg_iterations=3"])
    assert code == 0, capsys.readouterr().err
    assert "single_coil" in json.loads((single / "run.json").read_text())["notes"]  # one map of ones


def test_bad_input_is_one_line_and_exit_2(files, tmp_path, capsys):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not torch weights")
    cases = {
        "image": ["run", "mri/diffusion-posterior", "-i", str(files / "reference.h5"), "-o", str(tmp_path / "a")],
        "weights": ["run", "mri/diffusion-posterior", "-i", str(files / "input.h5"), "-o", str(tmp_path / "b"),
                    "--set", f"weights={garbage}"],
        "undersampled": ["train", "mri/diffusion-posterior", "--data", str(tmp_path / "under"), "--output",
                         str(tmp_path / "c"), "--set", "iterations=1"],
    }
    (tmp_path / "under").mkdir()
    (tmp_path / "under" / "scan.h5").write_bytes((files / "train_under.h5").read_bytes())
    expected = {"image": "reference.h5", "weights": "garbage.pt", "undersampled": "scan.h5"}
    for case, argv in cases.items():
        assert cli(argv) == 2, case
        message = _error(capsys)
        assert expected[case] in message, (case, message)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
