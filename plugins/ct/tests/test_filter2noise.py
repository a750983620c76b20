"""Filter2Noise's parts against known answers: the bilateral filter (pixel and patch range, dense and
dilated windows) against a per-pixel loop, its Gaussian limit, an impulse that only the patch range
removes, the Euclidean local shuffle, the loss on a constant image, the sigma scales, a PSNR gain over
the best Gaussian filter on correlated noise, the patch range's gain on a real head CT crop, determinism
under the seed, and the bias-subtracted patch distance (against the loop, and against the measured patch
distance of correlated noise)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from denoisekit_ct.filter2noise.agbf import Filter2NoiseNet
from denoisekit_ct.filter2noise.bilateral import bilateral_filter, box_mean, noise_bias
from denoisekit_ct.filter2noise.correlated_noise import amplitude_spectrum, autocorrelation
from denoisekit_ct.filter2noise.fit import FitSettings, denoise, fit
from denoisekit_ct.filter2noise.local_shuffle import euclidean_local_shuffle
from denoisekit_ct.filter2noise.loss import dog_kernel, filter2noise_loss

torch.set_num_threads(1)


def loop_bilateral(x: np.ndarray, sx: np.ndarray, sy: np.ndarray, sr: np.ndarray, r: int, patch: int = 0,
                   dilation: int = 1, debias=None) -> np.ndarray:
    """The bilateral filter written pixel by pixel (reflected borders), the textbook formula; with ``patch``
    the squared range distance is the mean over the (2 patch + 1)^2 patch of the pixel distances, patch
    positions past the border reflected back in (non-local means' patch similarity); ``debias(d2, i, j, dy,
    dx)`` replaces each squared distance."""
    h, w = x.shape
    reach = r * dilation
    padded = np.pad(x, reach, mode="reflect")
    offsets = [(dy * dilation, dx * dilation) for dy in range(-r, r + 1) for dx in range(-r, r + 1)]
    pixel_d2 = {o: (padded[reach + o[0]:reach + o[0] + h, reach + o[1]:reach + o[1] + w] - x) ** 2 for o in offsets}
    out = np.empty_like(x)
    for i in range(h):
        for j in range(w):
            num = den = 0.0
            for dy, dx in offsets:
                q = padded[i + reach + dy, j + reach + dx]
                if patch:
                    around = np.pad(pixel_d2[dy, dx], patch, mode="reflect")
                    d2 = around[i:i + 2 * patch + 1, j:j + 2 * patch + 1].mean()
                else:
                    d2 = (q - x[i, j]) ** 2
                if debias is not None:
                    d2 = debias(d2, i, j, dy, dx)
                wgt = np.exp(-(dx**2 / (2 * sx[i, j] ** 2) + dy**2 / (2 * sy[i, j] ** 2)) - d2 / (2 * sr[i, j] ** 2))
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


@pytest.mark.parametrize(("patch", "dilation"), [(1, 1), (2, 1), (0, 2), (1, 2)])
def test_patch_range_and_dilated_window_match_a_per_pixel_loop(patch, dilation):
    rng = np.random.default_rng(patch + 10 * dilation)
    x = rng.random((9, 11))
    sx, sy = rng.uniform(0.5, 3, x.shape), rng.uniform(0.5, 3, x.shape)
    sr = rng.uniform(0.05, 1, x.shape)
    t = [torch.from_numpy(a)[None, None] for a in (x, sx, sy, sr)]
    got = bilateral_filter(*t, radius=2, patch_radius=patch, dilation=dilation)[0, 0].numpy()
    np.testing.assert_allclose(got, loop_bilateral(x, sx, sy, sr, 2, patch, dilation), rtol=1e-12, atol=1e-14)


def test_the_widest_window_is_cut_to_a_small_image():
    """The loss filters half-resolution crops: 9 x 9 taps 4 pixels apart would reach 16 pixels past an
    8-pixel side, which a reflected border cannot give; the window is cut to what fits."""
    net = Filter2NoiseNet(stages=1, max_radius=8, dilation=4, range_patch=5)
    net.reset_parameters(torch.Generator().manual_seed(0), (6.0, 6.0, 0.1))
    x = torch.rand(1, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = net(x)
    assert out.shape == x.shape and torch.isfinite(out).all()
    assert not torch.allclose(out, x)  # one tap each side still filters


def test_patch_range_removes_an_impulse_that_the_pixel_range_keeps():
    """A flat image (0.5) with one impulse of +0.5 = 5 sigma_r: every neighbour is 5 sigma_r from the centre,
    so the pixel-range filter keeps the impulse (neighbour weights exp(-12.5)). Over a 5 x 5 patch a
    neighbour's patch differs from the centre's in at most two of 25 pixels, a distance of at most
    sqrt(2 / 25) of the impulse (weights >= exp(-1)), so the impulse is averaged away."""
    x = torch.full((1, 1, 15, 15), 0.5, dtype=torch.float64)
    x[0, 0, 7, 7] += 0.5
    sigmas = [torch.tensor(s, dtype=torch.float64) for s in (2.0, 2.0, 0.1)]
    pixel = float(bilateral_filter(x, *sigmas, radius=4)[0, 0, 7, 7])
    patch = float(bilateral_filter(x, *sigmas, radius=4, patch_radius=2)[0, 0, 7, 7])
    assert pixel > 0.999  # measured 0.99996
    assert patch - 0.5 < 0.1  # measured 0.044 above the flat value


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


def test_patch_range_beats_the_pixel_range_on_a_real_head_ct_crop():
    """pydicom-data's real head CT 693_UNCR, a 128 x 128 crop across the skull, low dose simulated at
    I0 = 2.5e4 (360 views, Hann FBP, seed 0): the 7 x 7 patch range (13 x 13 window) beats the paper's
    pixel range in the [-160, 240] HU window."""
    from denoisekit_ct.ct_metrics import ct_psnr, ct_ssim
    from denoisekit_ct.denoise_filter2noise import INITIAL_RANGE_PER_MAD
    from denoisekit_ct.denoise_slices import to_hu, to_unit
    from denoisekit_ct.lowdose import simulate_low_dose
    from denoisekit_ct.sample import source_slice

    from denoisekit.api import estimate_sigma

    ds, hu = source_slice()
    reference = hu[60:188, 192:320].copy()
    noisy = simulate_low_dose(reference, 2.5e4, views=360, pixel_size=float(ds.PixelSpacing[0]), filter="hann",
                              seed=0, device="cpu")
    x = to_unit(noisy, -1024, 3072)  # the pipeline's default window
    y = torch.from_numpy(x)[None, None]
    scores = []
    for options in ({}, {"range_patch": 3, "max_radius": 6}):
        settings = FitSettings(iterations=40, crop=64,
                               initial_sigma_r=INITIAL_RANGE_PER_MAD * estimate_sigma(x[None, None], undecimated=True),
                               **options)
        out = to_hu(denoise(fit(y, settings, seed=0), y)[0][0, 0].numpy(), -1024, 3072)
        scores.append((ct_psnr(out, reference), ct_ssim(out, reference)))
    (pixel_psnr, pixel_ssim), (patch_psnr, patch_ssim) = scores
    # measured (noisy 31.8 dB): pixel range 36.70 dB / 0.957, patch range 37.30 dB / 0.962
    assert pixel_psnr > 35.5 and patch_psnr > pixel_psnr + 0.3 and patch_ssim > pixel_ssim


def test_bias_subtracted_patch_range_matches_a_per_pixel_loop():
    """d^2 -> max(d^2 - 2 sigma^2(p) (1 - rho(q - p)), 0) with a per-pixel variance and a lag table, against the
    per-pixel loop; lags index the table modulo its shape, as for an autocorrelation from an FFT."""
    rng = np.random.default_rng(7)
    x = rng.random((9, 11))
    sx, sy = rng.uniform(0.5, 3, x.shape), rng.uniform(0.5, 3, x.shape)
    sr = rng.uniform(0.05, 1, x.shape)
    variance = rng.uniform(0.0, 0.05, x.shape)
    rho = rng.uniform(-0.2, 1.0, (6, 7))
    t = [torch.from_numpy(a)[None, None] for a in (x, sx, sy, sr, variance)]
    bias = noise_bias(t[4], torch.from_numpy(rho), radius=2, dilation=2)
    got = bilateral_filter(*t[:4], radius=2, patch_radius=1, dilation=2, bias=bias)[0, 0].numpy()

    def subtract(d2, i, j, dy, dx):
        return max(d2 - 2 * variance[i, j] * (1 - rho[dy % 6, dx % 7]), 0.0)

    expected = loop_bilateral(x, sx, sy, sr, 2, patch=1, dilation=2, debias=subtract)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    assert not np.allclose(got, loop_bilateral(x, sx, sy, sr, 2, patch=1, dilation=2))


def test_noise_bias_is_the_patch_distance_of_correlated_noise():
    """On a flat image with binomial-correlated noise of std 0.1 (rho = 2/3 at lag (0, 1), 4/9 at (1, 1), 1/6
    at (0, 2), the [1, 2, 1] kernel's autocorrelation), the autocorrelation measured from the noise's
    spectrum has those values, and noise_bias equals the mean 7 x 7 patch distance to each tap."""
    b = torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64)
    kernel = (b[:, None] * b[None, :])[None, None]
    white = torch.randn(1, 1, 256, 256, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    noise = F.conv2d(F.pad(white, (1,) * 4, mode="circular"), kernel) / kernel.square().sum().sqrt() * 0.1
    rho = autocorrelation(amplitude_spectrum(noise / 0.1))
    for (dy, dx), expected in (((0, 1), 2 / 3), ((1, 1), 4 / 9), ((0, 2), 1 / 6), ((0, 3), 0.0)):
        assert float(rho[dy, dx]) == pytest.approx(expected, abs=0.02)
        assert float(rho[-dy, -dx]) == pytest.approx(expected, abs=0.02)  # symmetric lags
    variance = torch.full_like(noise, 0.01)
    bias = noise_bias(variance, rho, radius=2)
    flat = 0.5 + noise
    padded = F.pad(flat, (2,) * 4, mode="reflect")
    distance2 = box_mean((F.unfold(padded, 5).view(1, 25, 256, 256) - flat).square(), 3)
    inner = (..., slice(8, -8), slice(8, -8))
    torch.testing.assert_close(distance2[inner].mean((0, 2, 3)), bias[0, :, 0, 0], rtol=0.05, atol=1e-6)  # 3.1 %
    assert float(bias[0, 12, 0, 0]) == 0.0  # the centre: no distance, no bias
