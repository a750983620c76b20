"""Choosing the strength of a fitted Filter2Noise denoiser by Stein's unbiased risk estimate (SURE).

The Filter2Noise loss sets the shape of the sigma maps well but not the overall strength: on CT it keeps
lowering as the range sigma grows, past the point where the error against the truth starts to rise
(docs/domains/ct-filter2noise.md). Here the global scales of the spatial and range sigmas are picked
instead by the risk they would have, estimated from the noisy slice alone.

SURE for correlated Gaussian noise. For y = x + n, n ~ N(0, S), a weakly differentiable f with Jacobian J
and a fixed diagonal weight W (Stein 1981, Thm. 1, with E[n g(y)] = S E[grad g] for correlated n):

    E |f(y) - x|_W^2 = E[ |f(y) - y|_W^2 - tr(W S) + 2 tr(W J S) ].

The divergence term comes from one Monte-Carlo probe (Ramani, Blu & Unser 2008, Thm. 2, here with a
probe b ~ N(0, S) in place of white noise, so that E[b^T W J b] = tr(W J S)):

    tr(W J S) ~ b^T W (f(y + eps b) - f(y)) / eps.

S and the probes come from :mod:`.correlated_noise`, measured on the residual of the fitted denoiser.
W keeps the pixels whose value (after the fitted denoiser) lies in the tissue range the error should count
in, widened by three local noise standard deviations; the default range is the RED-CNN window
[-160, 240] HU. The same probe is used at every candidate (common random numbers), so that their risks
differ by the filters, not by the draw. The risk is evaluated on ``crops`` crops aligned to the sigma
predictor's patch grid, each with a margin of the filters' reach, to bound the cost on large slices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch

from denoisekit_ct.filter2noise.agbf import Filter2NoiseNet
from denoisekit_ct.filter2noise.correlated_noise import amplitude_spectrum, local_std, synthesise


@dataclass(frozen=True)
class StrengthSearch:
    """The candidate scales and the crops of :func:`choose_strength`; ``tissue`` is the (low, high) range
    of the weight W in the denoiser's input units."""

    sigma_scales: tuple[float, ...] = (1.0, 2.0)
    range_scales: tuple[float, ...] = (0.5, 0.7, 1.0)
    tissue: tuple[float, float] = (0.0, 1.0)
    crops: int = 8
    crop: int = 96
    epsilon: float = 0.01


@dataclass(frozen=True)
class StrengthChoice:
    """The chosen scales and every candidate's estimated risk (mean squared error per weighted pixel, up to
    the error of the noise model's level)."""

    sigma_scale: float
    range_scale: float
    risks: dict[tuple[float, float], float]


def crop_windows(shape: tuple[int, int], crop: int, margin: int, count: int, patch: int,
                 generator: torch.Generator) -> list[tuple[int, int, int, int]]:
    """``count`` (top, left, height, width) windows of side ``crop`` + 2 ``margin`` (cut to the image),
    their corners on the ``patch`` grid, drawn from the CPU ``generator``; one whole-image window when
    the image is not larger than a window."""
    h, w = shape
    side = crop + 2 * margin
    if side >= h and side >= w:
        return [(0, 0, h, w)]
    wh, ww = min(side, h), min(side, w)
    tops = torch.randint(0, (h - wh) // patch + 1, (count,), generator=generator) * patch
    lefts = torch.randint(0, (w - ww) // patch + 1, (count,), generator=generator) * patch
    return [(int(t), int(s), wh, ww) for t, s in zip(tops, lefts, strict=True)]


def interior(x: torch.Tensor, window: tuple[int, int, int, int], shape: tuple[int, int], margin: int) -> torch.Tensor:
    """``x`` (cut at ``window``) without the margin, except where the window touches the image's side."""
    top, left, wh, ww = window
    r0 = margin if top > 0 else 0
    c0 = margin if left > 0 else 0
    r1 = wh - margin if top + wh < shape[0] else wh
    c1 = ww - margin if left + ww < shape[1] else ww
    return x[..., r0:r1, c0:c1]


def reach(net: Filter2NoiseNet) -> int:
    """Pixels an output pixel depends on each side, through all stages (window reach + patch radius)."""
    return sum(stage.max_radius * stage.dilation + stage.range_patch for stage in net.stages)


def sure_risk(denoiser: Callable[[torch.Tensor], torch.Tensor], y: torch.Tensor, std: torch.Tensor,
              probe: torch.Tensor, weight: torch.Tensor, epsilon: float) -> torch.Tensor:
    """The per-pixel terms of the weighted SURE of ``denoiser`` at ``y`` (all (B, 1, H, W)): ``std`` the
    noise's local standard deviation, ``probe`` one draw of the noise, ``weight`` W; their sum over the
    pixels estimates the weighted squared error sum."""
    f = denoiser(y)
    divergence = probe * (denoiser(y + epsilon * probe) - f) / epsilon
    return weight * ((f - y).square() - std.square() + 2 * divergence)


@torch.no_grad()
def choose_strength(net: Filter2NoiseNet, y: torch.Tensor, search: StrengthSearch, seed: int,
                    progress: Callable[..., Iterable[tuple[float, float]]] | None = None) -> StrengthChoice:
    """The (sigma_scale, range_scale) of ``search``'s grid with the lowest SURE of ``net`` on (1, 1, H, W)
    ``y`` (every pair of the two lists); ``seed`` fixes the crops and the probe. ``net``'s scales are left
    at (1, 1)."""
    generator = torch.Generator().manual_seed(seed)
    shape = (y.shape[-2], y.shape[-1])
    patch = net.stages[0].predictor.patch
    margin = -(-reach(net) // patch) * patch
    windows = crop_windows(shape, search.crop, margin, search.crops, patch, generator)
    crops = [y[..., t:t + h, s:s + w] for t, s, h, w in windows]
    net.set_scales(1.0, 1.0)
    fitted = [net(c) for c in crops]
    stds = [local_std(c - f) for c, f in zip(crops, fitted, strict=True)]
    amplitude = amplitude_spectrum(torch.cat([(c - f) / d for c, f, d in zip(crops, fitted, stds, strict=True)]))
    probes = [synthesise(d, amplitude, generator) for d in stds]
    low, high = search.tissue
    weights = [((f > low - 3 * d) & (f < high + 3 * d)).to(y.dtype) for f, d in zip(fitted, stds, strict=True)]
    cut = [lambda v, win=win: interior(v, win, shape, margin) for win in windows]
    total = max(sum(float(part(wt).sum()) for part, wt in zip(cut, weights, strict=True)), 1.0)
    candidates = [(s, r) for s in search.sigma_scales for r in search.range_scales]
    steps: Iterable[tuple[float, float]] = candidates
    if progress is not None:
        steps = progress(candidates, "filter2noise: choosing the strength (SURE)", total=len(candidates))
    risks: dict[tuple[float, float], float] = {}
    for scales in steps:
        net.set_scales(*scales)
        risks[scales] = sum(float(part(sure_risk(net, c, d, b, wt, search.epsilon)).sum())
                            for part, c, wt, b, d in zip(cut, crops, weights, probes, stds, strict=True)) / total
    net.set_scales(1.0, 1.0)
    best = min(risks, key=risks.__getitem__)
    return StrengthChoice(best[0], best[1], risks)
