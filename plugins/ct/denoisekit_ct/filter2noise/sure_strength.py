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

S and the probes come from :mod:`.correlated_noise`: the local level D measured on the residual of the
fitted denoiser, the noise power spectrum on the residual of the same denoiser with its spatial sigmas
multiplied by ``spectrum_sigma_scale`` (2). The fitted filter keeps part of the noise's low frequencies,
so its residual under-states them, and SURE then under-states what more smoothing would remove: on 128x128
crops of a real head CT at I0 = 5e3 it kept sigma-scale 1 where 2-3 were 1-2 dB better. The smoother
filter's residual holds more of them, while its range weight still keeps most edges out (restoring them by
dividing by the filter's power transfer instead also amplified the structure left in the residual).
W keeps the pixels whose value (after the fitted denoiser) lies in the tissue range the error should count
in, widened by three local noise standard deviations; the default range is the RED-CNN window
[-160, 240] HU. The same probe is used at every candidate (common random numbers), so that their risks
differ by the filters, not by the draw. The risk is evaluated on ``crops`` crops aligned to the sigma
predictor's patch grid, each with a margin of the filters' reach, to bound the cost on large slices.

A fit that collapsed to near the identity (the patch range can, on small images with low-pass noise)
leaves a residual with almost no noise in it, so neither the noise model nor SURE can see that more
smoothing would help; :func:`choose_strength` detects it by the residual's level against the finest
wavelet band's noise estimate and then also ranks a fallback denoiser (see there).

Other denoisers (``others``: the pipeline's is non-local means, option ``nlm_candidate``) can be ranked against
the grid's best with the same model, probe and weight, as black boxes: the finite difference above needs only
their outputs. The lower estimate wins.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import torch

from denoisekit_ct.filter2noise.agbf import Filter2NoiseNet
from denoisekit_ct.filter2noise.correlated_noise import (
    PatchNoise,
    amplitude_spectrum,
    autocorrelation,
    flat_tile_spectrum,
    local_std,
    synthesise,
)


@dataclass(frozen=True)
class StrengthSearch:
    """The candidate scales and the crops of :func:`choose_strength`; ``tissue`` is the (low, high) range
    of the weight W in the denoiser's input units."""

    sigma_scales: tuple[float, ...] = (1.0, 2.0, 3.0)  # small noisy images need 3 and 0.35 (docs: ct-filter2noise)
    range_scales: tuple[float, ...] = (0.35, 0.5, 0.7, 1.0)
    tissue: tuple[float, float] = (0.0, 1.0)
    crops: int = 8
    crop: int = 96
    epsilon: float = 0.01
    spectrum_sigma_scale: float = 2.0
    spectrum: str = "residual"  # "flat": the spectrum from the input's flattest tiles (flat_tile_spectrum)
    collapse_ratio: float = 0.5  # residual level / finest-band noise estimate below which the fit has collapsed
    fallback_scales: tuple[tuple[float, float], ...] = ((1.0, 1.0),)  # the fallback's candidates: its fitted strength


@dataclass(frozen=True)
class StrengthChoice:
    """The chosen scales and every candidate's estimated risk (mean squared error per weighted pixel, up to
    the error of the noise model's level)."""

    sigma_scale: float
    range_scale: float
    risks: dict[tuple[float, float], float]
    fallback: bool = False  # the chosen scales apply to the fallback denoiser, not to the fitted one
    fallback_risks: dict[tuple[float, float], float] = field(default_factory=dict)  # empty when not fitted
    other: str | None = None  # the name of the ``others`` denoiser chosen instead of the grid, if one was
    other_risks: dict[str, float] = field(default_factory=dict)  # every ``others`` denoiser's estimated risk


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


def measure_noise(net: Filter2NoiseNet, crops: list[torch.Tensor], spectrum_sigma_scale: float,
                  spectrum: str = "residual") -> tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor]:
    """The noise model of :mod:`.correlated_noise` measured on ``net``'s residuals on ``crops`` (all of one
    shape): per crop the fitted output and the local level D (from the fitted filter's residual), and the
    amplitude spectrum: with ``spectrum="residual"`` from the residual of the filter with its spatial sigmas
    times ``spectrum_sigma_scale``, with ``"flat"`` from the crops' flattest tiles
    (:func:`.correlated_noise.flat_tile_spectrum`; the residual's where the crops are too small for a tile).
    ``net`` is left at (1, 1)."""
    net.set_scales(1.0, 1.0)
    fitted = [net(c) for c in crops]
    stds = [local_std(c - f) for c, f in zip(crops, fitted, strict=True)]
    if spectrum == "flat":
        amplitude = flat_tile_spectrum(torch.cat(crops), torch.cat(fitted), torch.cat(stds))
        if amplitude is not None:
            return fitted, stds, amplitude
    net.set_scales(spectrum_sigma_scale, 1.0)  # the spectrum from a smoother filter's residual
    amplitude = amplitude_spectrum(torch.cat([(c - net(c)) / d for c, d in zip(crops, stds, strict=True)]))
    net.set_scales(1.0, 1.0)
    return fitted, stds, amplitude


def noise_model(net: Filter2NoiseNet, crops: list[torch.Tensor], spectrum_sigma_scale: float,
                generator: torch.Generator,
                spectrum: str = "residual") -> tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]:
    """:func:`measure_noise`'s fitted outputs and levels D per crop, and one probe per crop drawn from the model."""
    fitted, stds, amplitude = measure_noise(net, crops, spectrum_sigma_scale, spectrum)
    return fitted, stds, [synthesise(d, amplitude, generator) for d in stds]


@torch.no_grad()
def patch_noise(net: Filter2NoiseNet, y: torch.Tensor, spectrum_sigma_scale: float = 2.0,
                fraction: float = 1.0, spectrum: str = "residual") -> PatchNoise:
    """The noise model of the whole (1, 1, H, W) ``y``, measured as :func:`measure_noise` does on SURE's crops,
    for the bias-subtracted patch distance: the variance D^2 per pixel (times ``fraction``, the part of the
    bias to subtract) and the spectrum's autocorrelation."""
    _, stds, amplitude = measure_noise(net, [y], spectrum_sigma_scale, spectrum)
    return PatchNoise(fraction * stds[0].square(), autocorrelation(amplitude))


@torch.no_grad()
def choose_strength(net: Filter2NoiseNet, y: torch.Tensor, search: StrengthSearch, seed: int,
                    progress: Callable[..., Iterable[tuple[float, float]]] | None = None,
                    noise_level: float | None = None,
                    fallback: Callable[[], Filter2NoiseNet] | None = None,
                    noise: PatchNoise | None = None,
                    others: Mapping[str, Callable[[torch.Tensor], torch.Tensor]] | None = None) -> StrengthChoice:
    """The (sigma_scale, range_scale) of ``search``'s grid with the lowest SURE of ``net`` on (1, 1, H, W)
    ``y`` (every pair of the two lists); ``seed`` fixes the crops and the probe. ``net``'s scales are left
    at (1, 1). ``noise`` (:func:`patch_noise` of ``y``), when given, is the model ``net``'s candidates
    debias their patch distances with, as they will denoise ``y`` (held fixed in the divergence).
    ``others`` (name -> denoiser of (B, 1, H, W) tensors, reaching no further than ``net``) are ranked with the
    same crops, model, probe and weight; one whose risk is below the grid's best is returned as ``other``.

    Guard against a collapsed fit: when the median local level of ``net``'s residual is below
    ``search.collapse_ratio`` times ``noise_level`` (the finest Haar band's estimate, which itself
    under-states correlated noise), the fitted filter has left almost all the noise in place and its
    residual cannot measure it. Then ``fallback()`` (a denoiser fitted another way, reaching no further
    than ``net``; the pipeline's is the paper's pixel-range filter) is built, the noise model is measured on
    *its* residual, and ``net``'s grid and the fallback's ``search.fallback_scales`` (its fitted strength)
    are ranked by SURE with that one model and probe: the result says which one won. The fallback keeps
    its fitted strength because a pixel-range filter's residual holds too little of the noise (86 % of its
    std on the ct-sample) for SURE to scale it: it over-states the risk of smoothing and picks too little
    (docs/domains/ct-filter2noise.md)."""
    generator = torch.Generator().manual_seed(seed)
    shape = (y.shape[-2], y.shape[-1])
    patch = net.stages[0].predictor.patch
    margin = -(-reach(net) // patch) * patch
    windows = crop_windows(shape, search.crop, margin, search.crops, patch, generator)
    crops = [y[..., t:t + h, s:s + w] for t, s, h, w in windows]
    state = generator.get_state()
    fitted, stds, probes = noise_model(net, crops, search.spectrum_sigma_scale, generator, search.spectrum)
    denoisers = {False: net}
    if fallback is not None and noise_level:
        level = float(torch.cat([d.flatten() for d in stds]).median())
        if level < search.collapse_ratio * noise_level:
            denoisers[True] = fallback()
            generator.set_state(state)  # the same probe draw, coloured by the fallback's model
            fitted, stds, probes = noise_model(denoisers[True], crops, search.spectrum_sigma_scale, generator,
                                               search.spectrum)
    low, high = search.tissue
    weights = [((f > low - 3 * d) & (f < high + 3 * d)).to(y.dtype) for f, d in zip(fitted, stds, strict=True)]
    cut = [lambda v, win=win: interior(v, win, shape, margin) for win in windows]
    total = max(sum(float(part(wt).sum()) for part, wt in zip(cut, weights, strict=True)), 1.0)
    candidates = [(False, s, r) for s in search.sigma_scales for r in search.range_scales]
    candidates += [(True, s, r) for s, r in search.fallback_scales] if True in denoisers else []
    steps: Iterable[tuple[bool, float, float]] = candidates
    if progress is not None:
        steps = progress(candidates, "filter2noise: choosing the strength (SURE)", total=len(candidates))
    risks: dict[tuple[bool, float, float], float] = {}
    crop_noise = [None if noise is None else noise.crop(*win) for win in windows]
    for which, *scales in steps:
        denoiser = denoisers[which]
        denoiser.set_scales(*scales)
        risks[(which, *scales)] = sum(
            float(part(sure_risk(functools.partial(denoiser, noise=None if which else n), c, d, b, wt,
                                 search.epsilon)).sum())
            for part, c, wt, b, d, n in zip(cut, crops, weights, probes, stds, crop_noise, strict=True)) / total
        denoiser.set_scales(1.0, 1.0)
    best = min(risks, key=risks.__getitem__)
    other_risks = {
        name: sum(float(part(sure_risk(denoiser, c, d, b, wt, search.epsilon)).sum())
                  for part, c, wt, b, d in zip(cut, crops, weights, probes, stds, strict=True)) / total
        for name, denoiser in (others or {}).items()}
    other = min(other_risks, key=other_risks.__getitem__, default=None)
    return StrengthChoice(best[1], best[2], {k[1:]: v for k, v in risks.items() if not k[0]}, best[0],
                          {k[1:]: v for k, v in risks.items() if k[0]},
                          other if other is not None and other_risks[other] < risks[best] else None, other_risks)
