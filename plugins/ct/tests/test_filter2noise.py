"""Filter2Noise's parts against known answers: the bilateral filter against a per-pixel loop, its
Gaussian limit, the Euclidean local shuffle, the loss on a constant image, the sigma scales, a PSNR gain
over the best Gaussian filter on correlated noise, and determinism under the seed."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from denoisekit_ct.filter2noise.agbf import Filter2NoiseNet
from denoisekit_ct.filter2noise.bilateral import bilateral_filter
from denoisekit_ct.filter2noise.fit import FitSettings, denoise, fit
from denoisekit_ct.filter2noise.local_shuffle import euclidean_local_shuffle
from denoisekit_ct.filter2noise.loss import dog_kernel, filter2noise_loss

torch.set_num_threads(1)


def loop_bilateral(x: np.ndarray, sx: np.ndarray, sy: np.ndarray, sr: np.ndarray, r: int) -> np.ndarray:
    """The bilateral filter written pixel by pixel (reflected borders), the textbook formula."""
    h, w = x.shape
    padded = np.pad(x, r, mode="reflect")
    out = np.empty_like(x)
    for i in range(h):
        for j in range(w):
            num = den = 0.0
            for dy in range(-r, r + 1):
                for dx in range(-r, r + 1):
                    q = padded[i + r + dy, j + r + dx]
                    wgt = np.exp(-(dx**2 / (2 * sx[i, j] ** 2) + dy**2 / (2 * sy[i, j] ** 2))
                                 - (q - x[i, j]) ** 2 / (2 * sr[i, j] ** 2))
                    num += wgt * q
                    den += wgt
            out[i, j] = num / den
    return out


def test_bilateral_matches_a_per_pixel_loop():
    rng = np.random.default_rng(0)
    x = rng.random((7, 9))
    sx, sy = rng.uniform(0.5, 3, x.shape), rng.uniform(0.5, 3, x.shape)
    sr = rng.uniform(0.05, 1, x.shape)
    t = [torch.from_numpy(a)[None, None] for a in (x, sx, sy, sr)]
    got = bilateral_filter(*t, radius=2)[0, 0].numpy()
    np.testing.assert_allclose(got, loop_bilateral(x, sx, sy, sr, 2), rtol=1e-12, atol=1e-14)


def test_infinite_range_sigma_is_a_gaussian_blur():
    x = torch.rand(1, 1, 12, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    sx, sy, r = 1.3, 0.8, 3
    sigmas = [torch.tensor(s, dtype=torch.float64) for s in (sx, sy, 1e12)]
    got = bilateral_filter(x, *sigmas, radius=r)
    d = torch.arange(-r, r + 1, dtype=torch.float64)
    kernel = torch.exp(-d[:, None] ** 2 / (2 * sy**2) - d[None, :] ** 2 / (2 * sx**2))
    expected = F.conv2d(F.pad(x, (r,) * 4, mode="reflect"), (kernel / kernel.sum())[None, None])
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_local_shuffle_swaps_the_closest_pair_and_keeps_each_block():
    x = torch.tensor([[0.0, 10.0, 5.0, 5.5], [11.0, 30.0, 9.0, 7.0]])[None, None]
    # block 1: |10 - 11| is the smallest gap -> positions (0,1) and (1,0) swap; block 2: |5 - 5.5|
    expected = torch.tensor([[0.0, 11.0, 5.5, 5.0], [10.0, 30.0, 9.0, 7.0]])[None, None]
    torch.testing.assert_close(euclidean_local_shuffle(x), expected, rtol=0, atol=0)

    y = torch.rand(2, 1, 8, 11, generator=torch.Generator().manual_seed(2))
    out = euclidean_local_shuffle(y)
    blocks = lambda t: t[..., :8, :10].unfold(2, 2, 2).unfold(3, 2, 2).reshape(2, 1, 4, 5, 4)  # noqa: E731
    torch.testing.assert_close(blocks(out).sort(-1).values, blocks(y).sort(-1).values, rtol=0, atol=0)
    assert ((blocks(out) != blocks(y)).sum(-1) == 2).all()  # distinct values: exactly one pair moved
    torch.testing.assert_close(out[..., 10], y[..., 10], rtol=0, atol=0)  # odd last column untouched


def test_loss_is_zero_on_a_constant_image():
    net = Filter2NoiseNet(stages=2)
    net.reset_parameters(torch.Generator().manual_seed(0))
    y = torch.full((1, 1, 32, 32), 0.37)
    with torch.no_grad():
        assert float(filter2noise_loss(net, y, dog_kernel(), lam=350.0)) == pytest.approx(0.0, abs=1e-7)
        noisy = y + 0.05 * torch.randn(y.shape, generator=torch.Generator().manual_seed(0))
        assert float(filter2noise_loss(net, noisy, dog_kernel(), lam=350.0)) > 1e-3


def phantom(seed: int, size: int = 64, noise: float = 0.06) -> tuple[torch.Tensor, torch.Tensor]:
    """A piecewise-constant disc-and-bars image in [0, 1] and its copy with spatially correlated noise
    (white noise filtered by a 3 x 3 binomial kernel, rescaled to std ``noise``)."""
    yy, xx = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32),
                            indexing="ij")
    clean = 0.2 + 0.4 * (((yy - size / 2) ** 2 + (xx - size / 2) ** 2) < (size / 3) ** 2).float()
    clean = clean + 0.25 * ((xx // 8) % 2 == 0).float() * (yy < size / 4).float()
    white = torch.randn(1, 1, size + 2, size + 2, generator=torch.Generator().manual_seed(seed))
    b = torch.tensor([1.0, 2.0, 1.0])
    correlated = F.conv2d(white, (b[:, None] * b[None, :] / 16)[None, None])
    return clean[None, None], clean[None, None] + noise * correlated / correlated.std()


def psnr(x: torch.Tensor, ref: torch.Tensor) -> float:
    return float(10 * torch.log10(1 / F.mse_loss(x, ref)))


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    r = max(1, int(np.ceil(3 * sigma)))
    d = torch.arange(-r, r + 1, dtype=x.dtype)
    g = torch.exp(-d**2 / (2 * sigma**2))
    g = g / g.sum()
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="reflect"), g.view(1, 1, 1, -1))
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="reflect"), g.view(1, 1, -1, 1))


SETTINGS = FitSettings(iterations=40, crop=48, batch=2, lam=5.0, stages=2, initial_sigma_r=0.1)


@pytest.fixture(scope="module")
def fitted() -> tuple[Filter2NoiseNet, torch.Tensor, torch.Tensor]:
    clean, noisy = phantom(0)
    return fit(noisy, SETTINGS, seed=0), clean, noisy


def test_beats_the_best_gaussian_filter_on_correlated_noise(fitted):
    net, clean, noisy = fitted
    out, _ = denoise(net, noisy)
    gaussian = max(psnr(gaussian_blur(noisy, s), clean) for s in (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0))
    # measured: noisy 24.4 dB, best Gaussian 25.5 dB, Filter2Noise 30.0 dB
    print(f"noisy {psnr(noisy, clean):.2f} dB, best Gaussian {gaussian:.2f} dB, Filter2Noise {psnr(out, clean):.2f} dB")
    assert psnr(noisy, clean) < gaussian < psnr(out, clean) - 2.0


def flat_std(x: torch.Tensor) -> float:
    """Std inside the disc, away from its edge and the bars (a uniform region of the phantom)."""
    return float(x[0, 0, 28:40, 24:40].std())


def test_sigma_and_range_scales_smooth_monotonically(fitted):
    net, _, noisy = fitted
    spatial = [flat_std(denoise(net, noisy, sigma_scale=s)[0]) for s in (0.25, 0.5, 1.0, 2.0)]
    ranges = [flat_std(denoise(net, noisy, range_scale=s)[0]) for s in (0.25, 0.5, 1.0, 2.0, 4.0)]
    assert all(a > b for a, b in zip(spatial, spatial[1:], strict=False)), spatial
    assert all(a > b for a, b in zip(ranges, ranges[1:], strict=False)), ranges
    # the first stage sees the same input, so its maps are exactly scaled (the second's input changes)
    scaled = denoise(net, noisy, sigma_scale=2.0, range_scale=3.0)[1][0]
    plain = denoise(net, noisy)[1][0]
    torch.testing.assert_close(scaled, plain * torch.tensor([2.0, 2.0, 3.0]).view(1, 3, 1, 1))


def test_fit_is_deterministic_under_the_seed():
    _, noisy = phantom(3, size=32)
    settings = FitSettings(iterations=4, crop=16, batch=2, stages=1)
    a = denoise(fit(noisy, settings, seed=5), noisy)[0]
    b = denoise(fit(noisy, settings, seed=5), noisy)[0]
    c = denoise(fit(noisy, settings, seed=6), noisy)[0]
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not torch.equal(a, c)
