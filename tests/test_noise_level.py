"""denoisekit.noise_level: the MAD estimate of the noise level (Donoho & Johnstone 1994) on known noise.

The smooth image is a ramp plus a low-frequency cosine on 128x128 pixels (the Haar band removes ramps exactly and
the cosine leaves coefficients far below the noise), so the estimate is within a few percent of the true sigma.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from denoisekit.api import estimate_sigma, mad_std


def smooth(shape: tuple[int, int] = (128, 128)) -> np.ndarray:
    i, j = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    return 0.3 + 0.002 * i - 0.001 * j + 0.2 * np.cos(2 * np.pi * i / 64) * np.sin(2 * np.pi * j / 97)


@pytest.mark.parametrize("undecimated", [False, True])
@pytest.mark.parametrize("sigma", [0.01, 0.1])
def test_known_sigma_of_gaussian_noise_on_a_smooth_image(sigma: float, undecimated: bool) -> None:
    noisy = smooth() + sigma * np.random.default_rng(0).normal(size=(128, 128))
    assert estimate_sigma(noisy, undecimated=undecimated) == pytest.approx(sigma, rel=0.05)


def test_the_band_vanishes_on_ramps_and_an_axis_shorter_than_two_gives_zero() -> None:
    i, j = np.meshgrid(np.arange(9.0), np.arange(7.0), indexing="ij")
    assert estimate_sigma(2 * i - 3 * j + 5) == 0.0
    assert estimate_sigma(np.ones((1, 9))) == 0.0


def test_per_band_sigmas_of_a_non_iid_cube_with_the_bands_last() -> None:
    sigmas = np.array([0.01, 0.03, 0.1, 0.2])
    cube = np.stack([smooth() + s * np.random.default_rng(k).normal(size=(128, 128)) for k, s in enumerate(sigmas)],
                    axis=-1)  # (H, W, bands)
    estimate = estimate_sigma(cube, spatial_axes=(0, 1), per=(2,))
    assert isinstance(estimate, np.ndarray) and estimate.shape == (4,)
    np.testing.assert_allclose(estimate, sigmas, rtol=0.05)
    # pooled over the bands: one number between the smallest and largest
    assert sigmas.min() < estimate_sigma(cube, spatial_axes=(0, 1)) < sigmas.max()


def test_per_slice_and_per_channel_keep_the_shape_of_the_kept_axes() -> None:
    rng = np.random.default_rng(1)
    sigmas = np.array([[0.05, 0.1, 0.2], [0.15, 0.02, 0.08]])  # (slices, channels)
    x = smooth()[None, None] + sigmas[..., None, None] * rng.normal(size=(2, 3, 128, 128))
    np.testing.assert_allclose(estimate_sigma(x, per=(0, 1)), sigmas, rtol=0.06)
    np.testing.assert_allclose(estimate_sigma(x, per=(1, 0)), sigmas.T, rtol=0.06)


def test_complex_data_give_the_per_component_sigma() -> None:
    """Circular complex noise with E|n|^2 = 2 s^2: the estimate is s (real and imaginary parts pooled)."""
    rng = np.random.default_rng(2)
    s = 0.05
    image = smooth() * np.exp(1j * smooth())
    noisy = image + s * (rng.normal(size=image.shape) + 1j * rng.normal(size=image.shape))
    assert estimate_sigma(noisy) == pytest.approx(s, rel=0.05)
    assert estimate_sigma(torch.from_numpy(noisy.astype(np.complex64))) == pytest.approx(s, rel=0.05)


def test_torch_and_numpy_agree_on_pooled_and_per_axis_estimates() -> None:
    levels = np.array([0.02, 0.05, 0.1])[:, None, None]
    x = smooth()[None] + np.random.default_rng(3).normal(size=(3, 128, 128)) * levels
    t = torch.from_numpy(x)
    assert estimate_sigma(t) == estimate_sigma(x)
    per = estimate_sigma(t, per=(0,))
    assert isinstance(per, torch.Tensor) and per.dtype == torch.float64
    np.testing.assert_array_equal(per.numpy(), estimate_sigma(x, per=(0,)))
    # a non-contiguous (negatively strided) numpy view and its copy agree
    assert estimate_sigma(x[:, ::-1, ::2]) == estimate_sigma(np.ascontiguousarray(x[:, ::-1, ::2]))


def test_one_dimensional_signals_use_the_finest_haar_detail() -> None:
    """Audio (C, T): (x[2i] - x[2i+1]) / sqrt(2) per channel."""
    t = np.linspace(0, 1, 48000)
    tone = np.sin(2 * np.pi * 5 * t)
    x = np.stack([tone + 0.01 * np.random.default_rng(4).normal(size=t.size),
                  tone + 0.05 * np.random.default_rng(5).normal(size=t.size)])
    np.testing.assert_allclose(estimate_sigma(x, spatial_axes=(-1,), per=(0,)), [0.01, 0.05], rtol=0.03)


def test_mad_std_ignores_nan_and_works_along_a_dim() -> None:
    r = torch.tensor([[1.0, -2.0], [float("nan"), 4.0], [-3.0, float("nan")]])
    np.testing.assert_allclose(mad_std(r, dim=0).numpy(), np.array([1.0, 2.0]) / 0.6745, rtol=1e-6)
    assert float(mad_std(torch.tensor([-1.0, 2.0, -3.0]))) == pytest.approx(2.0 / 0.6745)


def test_bad_axes_are_refused() -> None:
    with pytest.raises(ValueError, match="distinct axes"):
        estimate_sigma(np.zeros((4, 4, 3)), spatial_axes=(0, 1), per=(1,))
