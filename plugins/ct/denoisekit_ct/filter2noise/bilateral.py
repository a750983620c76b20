"""The bilateral filter with per-pixel sigmas, the filter of Filter2Noise's AGBF, and its patch-range form.

Filter2Noise (Sun et al. 2025, sec. 3.1, eq. 1-3): at pixel p with neighbours q = p + (dx, dy),

    out(p) = sum_q w(p, q) I(q) / sum_q w(p, q),
    w(p, q) = exp(-(dx^2 / (2 sigma_x(p)^2) + dy^2 / (2 sigma_y(p)^2))) * exp(-d(p, q)^2 / (2 sigma_r(p)^2)),

with one sigma triple per pixel and reflected borders. The paper's range distance is the pixel difference,
d(p, q)^2 = (I(q) - I(p))^2 (``patch_radius=0``). With ``patch_radius=s`` it is the mean squared difference
of the (2 s + 1)^2 patches around p and q, the similarity of non-local means (Buades, Coll & Morel,
CVPR 2005, eq. 1-2): a noisy pixel far off its neighbours no longer keeps all the weight for itself.
``dilation`` spaces the window's taps ``dilation`` pixels apart, so (2 radius + 1)^2 taps reach
``radius * dilation`` pixels: a wide window at the cost of a narrow one, for spatially correlated noise.

With noise of standard deviation sigma and correlation rho(q - p) between p and q, the patch distance of two
patches of the same content is 2 sigma^2 (1 - rho) on average, not 0: ``noise_bias`` subtracts that expected
part, d^2 -> max(d^2 - 2 sigma^2 (1 - rho), 0) (Buades, Coll & Morel 2005, sec. 3, the distance of noisy
patches; here with the correlation of CT noise, :func:`noise_bias`).

The whole window is evaluated at once (one ``unfold``, a box filter for the patch distance, no Python
loop over pixels or offsets).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def box_mean(x: torch.Tensor, radius: int) -> torch.Tensor:
    """The mean of (B, C, H, W) ``x`` over (2 radius + 1)^2 boxes, reflected borders: running sums of
    shifted slices (rows, then columns), about twice as fast as ``avg_pool2d`` on many channels."""
    h, w = x.shape[-2:]
    k = 2 * radius + 1
    padded = F.pad(x, (radius,) * 4, mode="reflect")
    rows = padded[..., 0:h, :].clone()
    for i in range(1, k):
        rows += padded[..., i:i + h, :]
    out = rows[..., 0:w].clone()
    for i in range(1, k):
        out += rows[..., i:i + w]
    return out * (1.0 / (k * k))


def tap_offsets(radius: int, dilation: int, dtype: torch.dtype, device: torch.device | None = None) -> torch.Tensor:
    """The (k^2, 2) (row, column) offsets of the (2 radius + 1)^2 = k^2 taps, in ``unfold``'s order (rows slow)."""
    reach = radius * dilation
    offsets = torch.arange(-reach, reach + 1, dilation, device=device, dtype=dtype)
    return torch.stack([offsets.repeat_interleave(len(offsets)), offsets.repeat(len(offsets))], dim=1)


def noise_bias(variance: torch.Tensor, correlation: torch.Tensor, radius: int, dilation: int = 1) -> torch.Tensor:
    """The expected noise part of the squared distance between p and each tap q, 2 sigma^2(p) (1 - rho(q - p)),
    (B, k^2, H, W): ``variance`` (B, 1, H, W) the noise variance sigma^2 per pixel, ``correlation`` (h, w)
    the noise's autocorrelation rho (1 at lag 0), lag (dy, dx) at index (dy mod h, dx mod w)."""
    lags = tap_offsets(radius, dilation, torch.int64, correlation.device)
    h, w = correlation.shape
    rho = correlation[lags[:, 0] % h, lags[:, 1] % w].to(variance.dtype).view(1, -1, 1, 1)
    return 2 * variance * (1 - rho)


def bilateral_filter(x: torch.Tensor, sigma_x: torch.Tensor, sigma_y: torch.Tensor, sigma_r: torch.Tensor,
                     radius: int, patch_radius: int = 0, dilation: int = 1,
                     bias: torch.Tensor | None = None) -> torch.Tensor:
    """The bilateral filter of (B, 1, H, W) ``x`` with per-pixel sigmas (each (B, 1, H, W) or broadcastable)
    over (2 radius + 1)^2 taps ``dilation`` pixels apart, reflected borders; ``x`` is y-down (rows),
    x-right (columns). ``patch_radius`` > 0 measures the range on (2 patch_radius + 1)^2 patches.
    ``bias`` (broadcastable to (B, (2 radius + 1)^2, H, W), :func:`noise_bias`) is subtracted from the squared
    range distances, floored at 0.
    Log-weights are floored at -80 (a weight of 2e-35 next to the centre's 1): below that ``exp`` returns
    subnormal numbers, several times slower, for no difference in the result."""
    b, c, h, w = x.shape
    if c != 1:
        raise ValueError(f"the bilateral filter takes one channel, got {c}")
    k, reach = 2 * radius + 1, radius * dilation
    padded = F.pad(x, (reach,) * 4, mode="reflect") if reach else x
    neighbours = F.unfold(padded, k, dilation=dilation).view(b, k * k, h, w)
    offsets = tap_offsets(radius, dilation, x.dtype, x.device).square()
    dy2, dx2 = offsets[:, 0].view(1, k * k, 1, 1), offsets[:, 1].view(1, k * k, 1, 1)
    distance2 = (neighbours - x).square()
    if patch_radius:
        distance2 = box_mean(distance2, patch_radius)
    if bias is not None:
        distance2 = (distance2 - bias).clamp_min(0.0)
    log_w = torch.addcmul(torch.addcmul(dx2 * (-0.5 / sigma_x.square()), dy2, -0.5 / sigma_y.square()),
                          distance2, -0.5 / sigma_r.square())
    weights = torch.exp(log_w.clamp_min(-80.0))
    return (weights * neighbours).sum(1, keepdim=True) / weights.sum(1, keepdim=True)
