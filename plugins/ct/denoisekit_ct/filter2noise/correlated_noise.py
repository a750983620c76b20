"""A model of the noise left in a reconstructed CT slice, and synthetic noise drawn from it.

Noise after filtered back-projection is Gaussian to a good approximation but neither white nor stationary:
its power spectrum is shaped by the ramp and apodisation filters (the noise power spectrum, NPS) and its
level varies across the slice with the attenuation along the rays. The model here is the usual separable
one, n = D c: a stationary unit-variance field c with a measured power spectrum (the NPS, Hanson 1979;
Riederer, Pelc & Chesler 1978) times a map D of the local standard deviation. Both are measured zero-shot
on the residual r = y - f(y) of a denoiser f: D from the median absolute deviation of r in tiles and the
median over each tile's neighbours (robust to the edges r holds), the spectrum from the periodogram of
r / D (clipped), averaged over the crops.

r lacks the noise f keeps, mostly at low frequencies. FBP noise has little power there (its NPS rises
with frequency, like the ramp filter, until the apodisation window cuts it), so on CT slices the model
keeps what matters for :mod:`.sure_strength`, the spectrum's shape and the local level. Dividing the
periodogram by f's measured power transfer to restore the low frequencies was tried and is worse on
CT: it also amplifies the structure r holds there (docs/domains/ct-filter2noise.md). For noise with
much low-frequency power the model under-states it, and nothing can be measured where f removes
almost nothing (a fit collapsed to the identity).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from denoisekit.api import mad_std


def local_std(residual: torch.Tensor, block: int = 16) -> torch.Tensor:
    """The map D: the median absolute deviation of ``residual`` (B, 1, H, W) in ``block`` x ``block``
    tiles over 0.6745 (``denoisekit.api.mad_std``: the standard deviation for Gaussian noise), then the
    median of each tile's 3 x 3 tile neighbourhood, bilinearly interpolated to the pixels and floored at
    1e-8. Medians, so that the edges the residual holds do not raise the level: the tile's own median still
    rises where most of a tile lies along a bone or air edge, its neighbours' median does not (the noise
    level of a CT slice varies slowly, with the attenuation along the rays)."""
    h, w = residual.shape[-2:]
    block = max(1, min(block, h, w))
    padded = F.pad(residual, (0, -w % block, 0, -h % block), mode="reflect")
    tiles = F.unfold(padded, block, stride=block)  # (B, block^2, tiles)
    rows, cols = padded.shape[-2] // block, padded.shape[-1] // block
    level = mad_std(tiles, dim=1).view(-1, 1, rows, cols)
    neighbourhoods = F.unfold(F.pad(level, (1, 1, 1, 1), mode="replicate"), 3)  # (B, 9, tiles)
    level = neighbourhoods.median(dim=1).values.view(-1, 1, rows, cols)
    level = F.interpolate(level, size=padded.shape[-2:], mode="bilinear", align_corners=False)
    return level[..., :h, :w].clamp_min(1e-8)


def amplitude_spectrum(normalised: torch.Tensor, clip: float = 4.0) -> torch.Tensor:
    """The (1, 1, H, W) root-mean periodogram |FFT|^2 of the (B, 1, H, W) unit-level residual over the batch,
    its values first clipped to +-``clip`` (edges left in a residual), scaled so that noise synthesised
    with it (:func:`synthesise`) has unit variance."""
    power = torch.fft.fft2(normalised.clamp(-clip, clip)).abs().square().mean(0, keepdim=True)
    return (power / power.mean()).sqrt()


def synthesise(std: torch.Tensor, amplitude: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Noise D c of the model: white Gaussian noise (from the CPU ``generator``) coloured by ``amplitude``
    (:func:`amplitude_spectrum`, the same H, W), times the local ``std`` (B, 1, H, W)."""
    white = torch.randn(std.shape, generator=generator, dtype=std.dtype).to(std.device)
    coloured = torch.fft.ifft2(torch.fft.fft2(white) * amplitude).real
    return std * coloured


def autocorrelation(amplitude: torch.Tensor) -> torch.Tensor:
    """The (H, W) autocorrelation rho of unit noise with the (1, 1, H, W) ``amplitude`` spectrum
    (:func:`amplitude_spectrum`): the inverse FFT of the power (Wiener-Khinchin), 1 at lag 0, lag (dy, dx) at
    index (dy mod H, dx mod W)."""
    covariance = torch.fft.ifft2(amplitude[0, 0].square()).real
    return covariance / covariance[0, 0]


@dataclass(frozen=True)
class PatchNoise:
    """What the bias-subtracted patch distance needs of the noise model: the (B, 1, H, W) ``variance`` D^2
    per pixel of the image being filtered and the (h, w) ``correlation`` (:func:`autocorrelation`)."""

    variance: torch.Tensor
    correlation: torch.Tensor

    def crop(self, top: int, left: int, height: int, width: int) -> PatchNoise:
        """The model of the crop at (``top``, ``left``) of the image."""
        return PatchNoise(self.variance[..., top:top + height, left:left + width], self.correlation)


def plane_detrend(tiles: torch.Tensor) -> torch.Tensor:
    """(N, T, T) ``tiles`` minus each one's least-squares plane a + b row + c column."""
    n, t, _ = tiles.shape
    ramp = torch.arange(t, dtype=tiles.dtype, device=tiles.device) - (t - 1) / 2
    basis = torch.stack([torch.ones(t, t, dtype=tiles.dtype, device=tiles.device),
                         ramp[:, None].expand(t, t), ramp[None, :].expand(t, t)]).view(3, -1)
    flat = tiles.reshape(n, -1)
    coefficients = flat @ basis.T / basis.square().sum(1)  # the basis is orthogonal on the grid
    return (flat - coefficients @ basis).view(n, t, t)


def flat_tile_spectrum(images: torch.Tensor, smooth: torch.Tensor, std: torch.Tensor, tile: int = 32,
                       fraction: float = 0.25) -> torch.Tensor | None:
    """The amplitude spectrum (as :func:`amplitude_spectrum`, (1, 1, H, W)) of the noise of (B, 1, H, W)
    ``images``, measured in their flattest tiles, not on a denoiser's residual: the ``tile`` x ``tile`` tiles
    (cut to about half the image's side) are ranked by the standard deviation of ``smooth`` (a denoised
    ``images``) over the mean level ``std`` (the map D) in them, and the flattest ``fraction`` of them, minus
    their least-squares plane and over D, give the noise's biased autocorrelation (zero-padded periodograms:
    Bartlett 1948), lags below ``tile`` on each axis. Embedded in the H x W lag grid, its DFT is the
    spectrum there, non-negative (samples of |DTFT|^2). A residual lacks the low frequencies of the noise
    the denoiser keeps and holds the structure it removes; a flat tile of the input has all of its noise and
    little structure (docs/domains/ct-filter2noise.md, Session 9). None where the image holds no tile of
    8 x 8 pixels."""
    h, w = images.shape[-2:]
    tile = min(tile, (h + 1) // 2, (w + 1) // 2)
    if tile < 8:
        return None

    def tiles_of(x: torch.Tensor) -> torch.Tensor:
        return F.unfold(x, tile, stride=tile).transpose(1, 2).reshape(-1, tile, tile)

    noisy, structure, level = tiles_of(images), tiles_of(smooth), tiles_of(std)
    score = structure.std(dim=(1, 2)) / level.mean(dim=(1, 2))
    keep = score.argsort()[:max(1, round(fraction * len(score)))]
    z = plane_detrend(noisy[keep]) / level[keep]
    power = torch.fft.fft2(z, s=(2 * tile, 2 * tile)).abs().square().mean(0)
    lags = torch.fft.ifft2(power).real  # the biased autocorrelation, lag (dy, dx) at (dy mod 2T, dx mod 2T)
    rows = torch.arange(-(tile - 1), tile, device=images.device)
    grid = images.new_zeros(h, w)
    grid[(rows % h)[:, None], (rows % w)[None, :]] = lags[(rows % (2 * tile))[:, None], (rows % (2 * tile))[None, :]]
    spectrum = torch.fft.fft2(grid).real.clamp_min(0.0)
    return (spectrum / spectrum.mean()).sqrt()[None, None]
