"""image/noise2score (Kim & Ye 2021) and image/neighbor2neighbor (Huang et al. 2021): PSNR gains on a noisy
camera crop, the noise-level estimates, determinism, volumes and colour, and the option and input errors.

The image is the 64x64 crop of scikit-image's camera used by tests/losses (on [0, 1], float32), with
Gaussian noise sigma 0.1 (noisy: 20.06 dB; the oracle Gaussian filter gains +4.97 dB) or Poisson noise of gain
0.02 (noisy: 23.02 dB). Gains were measured on one CPU thread and are asserted with the margin stated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from denoisekit.errors import InputError, UserError
from denoisekit.image import plugin
from denoisekit.image.sample import clean_camera
from denoisekit.image.selfsup_pipeline import (
    Neighbor2NeighborPipeline,
    Noise2ScorePipeline,
    estimate_ell,
    estimate_gain,
    inverse_trigamma,
)
from denoisekit.metrics import psnr
from denoisekit.noise import Gamma, Poisson
from denoisekit.noise_level import estimate_sigma
from denoisekit.pipeline import RunContext
from denoisekit.pipeline_result import PipelineResult, as_result
from denoisekit.sample import Sample

RECORDS = {r.name: r for r in plugin.register_pipelines()}
PIPELINES = {"noise2score": Noise2ScorePipeline, "neighbor2neighbor": Neighbor2NeighborPipeline}


def result(name: str, sample: Sample, ctx: RunContext, **options: object) -> PipelineResult:
    """The pipeline's result with these options, checked first as the runner does."""
    config = RECORDS[name].defaults() | options
    if RECORDS[name].check is not None:
        RECORDS[name].check(config)
    return as_result(PIPELINES[name]()(sample, config, ctx))


def run(name: str, sample: Sample, ctx: RunContext, **options: object) -> Sample:
    return result(name, sample, ctx, **options).sample


def npy(array: np.ndarray, axes: str = "HW", data_range: float | None = 1.0) -> Sample:
    return Sample(np.asarray(array), axes, "npy", {}, data_range, Path("input.npy"))


@pytest.fixture(scope="module")
def clean() -> np.ndarray:
    return (clean_camera()[96:160, 96:160] / 255.0).astype(np.float32)


@pytest.fixture(scope="module")
def gaussian(clean: np.ndarray) -> np.ndarray:
    noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(0)).numpy()
    return clean + 0.1 * noise


@pytest.fixture(scope="module")
def poisson(clean: np.ndarray) -> np.ndarray:
    return Poisson(0.02).sample(torch.from_numpy(clean), torch.Generator().manual_seed(0)).numpy()


def gain(out: Sample, noisy: np.ndarray, clean: np.ndarray) -> tuple[float, float]:
    return psnr(noisy, clean, 1.0), psnr(out.array, clean, 1.0)


def test_records() -> None:
    assert RECORDS["noise2score"].defaults() == {
        "noise": "gaussian", "sigma": 0.0, "gain": 0.0, "ell": 0.0, "iterations": 800, "patch": 32, "batch": 16,
        "lr": 3e-3, "width": 32, "delta_max": 0.1, "delta_min": 0.001, "clip": True}
    assert RECORDS["neighbor2neighbor"].defaults() == {
        "iterations": 1000, "patch": 32, "batch": 16, "lr": 1e-3, "width": 32, "gamma": 2.0, "clip": True}
    for record in (RECORDS["noise2score"], RECORDS["neighbor2neighbor"]):
        assert record.formats == RECORDS["zs-n2n"].formats and record.test_config == {"iterations": 20}


def test_noise2score_improves_gaussian(clean: np.ndarray, gaussian: np.ndarray, ctx: RunContext) -> None:
    """200 steps of 8 patches, sigma estimated: measured 20.06 -> 25.66 dB (+5.60), asserted >= +5.0."""
    fitted = result("noise2score", npy(gaussian), ctx, iterations=200, batch=8)
    out = fitted.sample
    before, after = gain(out, gaussian, clean)
    assert after - before >= 5.0, (before, after)
    assert fitted.notes["sigma"] == pytest.approx(0.1, rel=0.1)
    assert set(ctx.timings) == {"train", "denoise"}
    assert out.array.dtype == np.float32 and out.array.shape == gaussian.shape
    assert gaussian.min() <= out.array.min() and out.array.max() <= gaussian.max()  # clipped to the input's range


def test_neighbor2neighbor_improves_gaussian(clean: np.ndarray, gaussian: np.ndarray, ctx: RunContext) -> None:
    """300 steps of 8 patches at lr 3e-3: measured 20.06 -> 24.75 dB (+4.69), asserted >= +4.2."""
    out = run("neighbor2neighbor", npy(gaussian), ctx, iterations=300, batch=8, lr=3e-3)
    before, after = gain(out, gaussian, clean)
    assert after - before >= 4.2, (before, after)
    assert set(ctx.timings) == {"train", "denoise"}


def test_noise2score_poisson(clean: np.ndarray, poisson: np.ndarray, ctx: RunContext) -> None:
    """Poisson gain 0.02 (50 counts at 1), gain estimated (0.0207), Poisson Tweedie, 200 steps of 8 patches:
    measured 23.02 -> 26.65 dB (+3.63; the oracle Gaussian filter: +3.10), asserted >= +3.1."""
    fitted = result("noise2score", npy(poisson), ctx, noise="poisson", iterations=200, batch=8)
    before, after = gain(fitted.sample, poisson, clean)
    assert after - before >= 3.1, (before, after)
    assert fitted.notes["gain"] == pytest.approx(0.02, rel=0.1)


def test_poisson_gain_is_in_the_inputs_units(clean: np.ndarray, poisson: np.ndarray) -> None:
    """The same counts stored as 0..255 (gain 0.02 * 255): the same result, scaled."""
    outs = []
    for factor in (1.0, 255.0):
        ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
        sample = npy(poisson * factor, data_range=factor)
        outs.append(run("noise2score", sample, ctx, noise="poisson", gain=0.02 * factor, iterations=5).array / factor)
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-4, atol=1e-5)


def test_noise2score_gamma(clean: np.ndarray, ctx: RunContext) -> None:
    """Gamma (speckle) noise ell = 20 on the crop + 0.02, Gamma Tweedie with the true ell, 200 steps of 8
    patches: measured 21.69 -> 25.00 dB (+3.31), asserted >= +2.8. The ell estimate is 16.0 here (the
    camera's texture adds to the log-image's fine-scale variance)."""
    x = clean + 0.02
    noisy = Gamma(20.0).sample(torch.from_numpy(x), torch.Generator().manual_seed(0)).numpy()
    out = run("noise2score", npy(noisy), ctx, noise="gamma", ell=20.0, iterations=200, batch=8)
    before, after = psnr(noisy, x, 1.0), psnr(out.array, x, 1.0)
    assert after - before >= 2.8, (before, after)


def test_noise_level_estimates(clean: np.ndarray) -> None:
    """MAD on the finest diagonal Haar band: within 10% of the truth at sigma 0.1 and 0.2 on the crop
    (measured +4.9% and +0.8%; at sigma 0.05 the texture makes it +11%), and on flat images for sigma, the
    Poisson gain (+3.7%) and the Gamma shape (-0.5%)."""
    for sigma, seed in ((0.1, 1), (0.2, 2)):
        noisy = clean + sigma * np.random.default_rng(seed).normal(size=clean.shape)
        assert estimate_sigma(noisy, undecimated=True) == pytest.approx(sigma, rel=0.1)
    flat = np.full((1, 1, 64, 64), 0.4)
    noisy = flat + 0.1 * np.random.default_rng(3).normal(size=flat.shape)
    assert estimate_sigma(noisy, undecimated=True) == pytest.approx(0.1, rel=0.05)
    counts = Poisson(0.05).sample(torch.full((1, 1, 64, 64), 0.5), torch.Generator().manual_seed(0)).numpy()
    assert estimate_gain(counts) == pytest.approx(0.05, rel=0.1)
    speckle = Gamma(10.0).sample(torch.full((1, 1, 64, 64), 0.5), torch.Generator().manual_seed(0)).numpy()
    assert estimate_ell(speckle) == pytest.approx(10.0, rel=0.1)
    for ell in (0.5, 1.0, 4.0, 50.0):
        assert inverse_trigamma(float(torch.special.polygamma(1, torch.tensor(ell, dtype=torch.float64)))) == (
            pytest.approx(ell, rel=1e-6))


def test_sigma_is_in_the_inputs_units(gaussian: np.ndarray) -> None:
    """8-bit style input: the estimate is reported in the input's units (run.json notes)."""
    ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
    notes = result("noise2score", npy(gaussian * 255, data_range=255.0), ctx, iterations=1).notes
    assert notes["sigma"] == pytest.approx(25.5, rel=0.1)


@pytest.mark.parametrize("name", ["noise2score", "neighbor2neighbor"])
def test_same_seed_gives_identical_output(name: str, gaussian: np.ndarray) -> None:
    def once(seed: int) -> np.ndarray:
        ctx = RunContext(device=torch.device("cpu"), seed=seed, show_progress=False)
        return run(name, npy(gaussian[:32, :32]), ctx, iterations=10, batch=4).array

    first = once(0)
    np.testing.assert_array_equal(first, once(0))
    assert not np.array_equal(first, once(1))


@pytest.mark.parametrize("name", ["noise2score", "neighbor2neighbor"])
@pytest.mark.parametrize(("shape", "axes"), [((3, 16, 12), "DHW"), ((16, 12, 3), "HWD"), ((16, 12, 3), "HWC"),
                                             ((16, 12, 4), "HWC"), ((20, 9), "HW")])
def test_shapes_are_kept(name: str, shape: tuple[int, ...], axes: str, ctx: RunContext) -> None:
    array = np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8)
    sample = Sample(array, axes, "png", {"dtype": array.dtype.str}, 255.0, Path("input.png"))
    out = run(name, sample, ctx, iterations=3, batch=4)
    assert out.array.shape == shape and out.axes == axes and out.format == "png"
    assert out.array.dtype == np.float32 and 0 <= out.array.min() and out.array.max() <= 255


@pytest.mark.parametrize("name", ["noise2score", "neighbor2neighbor"])
def test_one_network_for_all_slices(name: str, gaussian: np.ndarray, ctx: RunContext) -> None:
    """A volume trains one network: equal slices get equal outputs, and a mirrored slice is not a mirror."""
    image = gaussian[:24, :24]
    out = run(name, npy(np.stack([image, image[::-1], image]), "DHW"), ctx, iterations=5, batch=4).array
    np.testing.assert_allclose(out[0], out[2], rtol=1e-6, atol=1e-6)


def test_option_errors(gaussian: np.ndarray, ctx: RunContext) -> None:
    sample = npy(np.clip(gaussian, 0, None))
    with pytest.raises(UserError, match="'sigma' applies to noise=gaussian only"):
        run("noise2score", sample, ctx, noise="poisson", sigma=0.1)
    with pytest.raises(UserError, match="'gain' applies to noise=poisson only"):
        run("noise2score", sample, ctx, gain=0.02)
    with pytest.raises(UserError, match="'ell' applies to noise=gamma only"):
        run("noise2score", sample, ctx, noise="poisson", ell=4.0)
    with pytest.raises(UserError, match="delta_min"):
        run("noise2score", sample, ctx, delta_min=0.5)
    with pytest.raises(UserError, match="noise level is 0"):
        run("noise2score", npy(np.full((16, 16), 0.5, np.float32)), ctx)


@pytest.mark.parametrize("name", ["noise2score", "neighbor2neighbor"])
def test_input_errors(name: str, ctx: RunContext) -> None:
    with pytest.raises(InputError, match="complex"):
        run(name, npy(np.ones((8, 8), np.complex64)), ctx, iterations=1)
    with pytest.raises(InputError, match="at least 2x2"):
        run(name, npy(np.ones((1, 8), np.float32)), ctx, iterations=1)
    if name == "noise2score":
        with pytest.raises(InputError, match="non-negative"):
            run(name, npy(np.full((8, 8), -1.0, np.float32)), ctx, noise="poisson", iterations=1)


@pytest.mark.parametrize("name", ["noise2score", "neighbor2neighbor"])
def test_runs_on_every_format_example(name: str, ctx: RunContext, tmp_path: Path) -> None:
    for record in plugin.register_formats():
        example = record.example()
        out = run(name, example, ctx, iterations=2, batch=2)
        path = tmp_path / f"{name}{record.suffixes[-1]}"
        record.write(out, path)
        back = record.read(path)
        assert back.array.shape == example.array.shape and back.array.dtype == example.array.dtype
