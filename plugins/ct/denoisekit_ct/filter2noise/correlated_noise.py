"""A model of the noise left in a reconstructed CT slice, and synthetic noise drawn from it.

Noise after filtered back-projection is Gaussian to a good approximation but neither white nor stationary:
its power spectrum is shaped by the ramp and apodisation filters (the noise power spectrum, NPS) and its
level varies across the slice with the attenuation along the rays. The model here is the usual separable
one, n = D c: a stationary unit-variance field c with a measured power spectrum (the NPS, Hanson 1979;
Riederer, Pelc & Chesler 1978) times a map D of the local standard deviation. Both are measured zero-shot
on the residual r = y - f(y) of a denoiser f: D from the median absolute deviation of r in tiles (robust to
the edges r holds), the spectrum from the periodogram of r / D (clipped), averaged over the crops. r lacks
the noise f keeps, so the periodogram is divided by f's power transfer on noise (:func:`noise_transfer`),
and D raised by the matching level. The model is an approximation; what it is used for
(:mod:`.sure_strength`) needs the spectrum's shape and the local level, not their exact values. It cannot
be measured where f removes almost nothing (a fit collapsed to the identity): r then holds no noise.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def local_std(residual: torch.Tensor, block: int = 16) -> torch.Tensor:
    """The map D: the median absolute deviation of ``residual`` (B, 1, H, W) in ``block`` x ``block``
    tiles, times 1.4826 (the standard deviation for Gaussian noise), bilinearly interpolated to the pixels
    and floored at 1e-8. A median, so that the edges the residual holds do not raise the level."""
    h, w = residual.shape[-2:]
    block = max(1, min(block, h, w))
    padded = F.pad(residual, (0, -w % block, 0, -h % block), mode="reflect")
    tiles = F.unfold(padded.abs(), block, stride=block)  # (B, block^2, tiles)
    rows, cols = padded.shape[-2] // block, padded.shape[-1] // block
    level = 1.4826 * tiles.median(dim=1).values.view(-1, 1, rows, cols)
    level = F.interpolate(level, size=padded.shape[-2:], mode="bilinear", align_corners=False)
    return level[..., :h, :w].clamp_min(1e-8)


def noise_transfer(white: torch.Tensor, removed: torch.Tensor, smooth: int = 5) -> torch.Tensor:
    """The (1, 1, H, W) power transfer T(k) = E|FFT(removed)|^2 / E|FFT(white)|^2 of the part of white
    noise (B, 1, H, W) a denoiser removes, ``removed`` = (I - J) ``white`` with J its Jacobian; the
    periodograms are averaged over the batch and a ``smooth`` x ``smooth`` (circular) frequency box."""
    def smoothed_power(x: torch.Tensor) -> torch.Tensor:
        power = torch.fft.fft2(x).abs().square().mean(0, keepdim=True)
        r = smooth // 2
        return F.avg_pool2d(F.pad(power, (r,) * 4, mode="circular"), smooth, stride=1)

    return smoothed_power(removed) / smoothed_power(white).clamp_min(1e-20)


def amplitude_spectrum(residual: torch.Tensor, transfer: torch.Tensor | None = None, clip: float = 4.0,
                       floor: float = 0.05) -> tuple[torch.Tensor, float]:
    """The noise's amplitude spectrum from the (B, 1, H, W) residual brought to unit level, its values first
    clipped to +-``clip`` (edges left in a residual), and the residual's level relative to the noise's.

    The residual's periodogram is the noise's times the ``transfer`` of :func:`noise_transfer` (the noise the
    denoiser keeps is missing from it), so it is divided by the transfer (floored at ``floor``) when given.
    The amplitude is scaled so that noise synthesised with it (:func:`synthesise`) has unit variance; the
    level is sqrt(mean(amplitude^2 T)): the residual's standard deviation per unit of noise."""
    power = torch.fft.fft2(residual.clamp(-clip, clip)).abs().square().mean(0, keepdim=True)
    if transfer is not None:
        power = power / transfer.clamp_min(floor)
    amplitude = (power / power.mean()).sqrt()
    level = 1.0 if transfer is None else float((amplitude.square() * transfer).mean().sqrt())
    return amplitude, level


def synthesise(std: torch.Tensor, amplitude: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Noise D c of the model: white Gaussian noise (from the CPU ``generator``) coloured by ``amplitude``
    (:func:`amplitude_spectrum`, the same H, W), times the local ``std`` (B, 1, H, W)."""
    white = torch.randn(std.shape, generator=generator, dtype=std.dtype).to(std.device)
    coloured = torch.fft.ifft2(torch.fft.fft2(white) * amplitude).real
    return std * coloured
