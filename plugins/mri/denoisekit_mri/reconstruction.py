"""The baseline reconstructions of undersampled Cartesian k-space (fastMRI HDF5 in, ``reconstruction`` out):

- ``ZeroFilled``: root-sum-of-squares of the zero-filled coil images (fastMRI's baseline, Zbontar et al.
  arXiv:1811.08839);
- ``Sense``: ESPIRiT maps from the data's own calibration region, then conjugate gradients on
  (A^H A + lambda I) x = A^H y (CG-SENSE, Pruessmann et al., MRM 46(4), 2001, with Tikhonov);
- ``CSWavelet``: min_x 1/2 ||A x - y||^2 + lambda ||Psi x||_1 with Psi an orthonormal Daubechies wavelet
  transform of the complex image (Lustig, Donoho & Pauly, MRM 58(6), 2007), solved by FISTA (Beck &
  Teboulle, SIAM J. Imaging Sci. 2(1), 2009, constant step size) with step 1 / (||A||^2 + mu); lambda is relative to
  max |A^H y| so it does not depend on the data's scale; the coarsest approximation band is not penalised.
  A small Tikhonov term mu / 2 ||x||^2 (the SENSE pipeline's) is added: with ESPIRiT maps from a narrow
  calibration region (8x, 4 % centre) the data term alone lets FISTA fit the map errors and diverge from
  the image after some 20-50 iterations, as unregularised CG-SENSE does.

Each returns the magnitude image (slices, H, W) float32, cropped to the header's reconstruction matrix.
Single-coil input is reconstructed with one coil map of ones (C = 1), which the notes say.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from denoisekit.api import (
    InputError,
    PipelineResult,
    RunContext,
    Sample,
    conjugate_gradient,
    for_each_slice,
    max_wavelet_levels,
    wavedec2,
    waverec2,
)
from denoisekit_mri.acquisition import Acquisition, read_acquisition, rss
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.espirit import estimate_maps
from denoisekit_mri.fft import ifft2c
from denoisekit_mri.formats import image_sample


def _output(sample: Sample, acq: Acquisition, image: torch.Tensor, description: str,
            notes: dict[str, Any]) -> PipelineResult:
    out = image_sample(sample, image.detach().cpu().numpy(), acq.recon_size, description)
    return PipelineResult(out, notes={**acq.notes(), **notes})


def configured_maps(acq: Acquisition, config: Mapping[str, Any]) -> torch.Tensor:
    """ESPIRiT maps of every slice with the pipeline's ``calibration``, ``kernel``, ``threshold`` and ``crop``
    options, or one map of ones for single-coil data (on the k-space's device)."""
    n, c, h, w = acq.kspace.shape
    if acq.single_coil:
        return torch.ones((n, 1, h, w), dtype=torch.complex64, device=acq.kspace.device)
    return estimate_maps(acq.kspace, acq.mask, calibration=config["calibration"], kernel=config["kernel"],
                         threshold=config["threshold"], crop=config["crop"])


class ZeroFilled:
    """RSS of the zero-filled coil images (the magnitude for single-coil data)."""

    def __call__(self, sample: Sample, config: dict[str, Any], ctx: RunContext) -> PipelineResult:
        acq = read_acquisition(sample, "mri/zero-filled").to(ctx.device)
        with ctx.stage("zero-filled"):
            image = rss(ifft2c(acq.kspace))
        return _output(sample, acq, image, "zero-filled RSS", {})


def sense(op: MultiCoilCartesian, y: torch.Tensor, iterations: int, tikhonov: float) -> torch.Tensor:
    """CG on (A^H A + tikhonov I) x = A^H y from zero."""
    return conjugate_gradient(lambda x: op.normal(x) + tikhonov * x, op.A_adjoint(y), iterations=iterations, tol=1e-6)


def _slice_by_slice(acq: Acquisition, ctx: RunContext, description: str,
                    solve: Callable[[Acquisition, RunContext], torch.Tensor]) -> tuple[torch.Tensor, list[Any]]:
    """``solve`` on each slice in turn (memory bounded by one slice; a progress bar over the slices): the
    stacked magnitudes (N, H, W) and what each call returned besides its image."""
    extras: list[Any] = []

    def one(i: int, slice_ctx: RunContext) -> np.ndarray:
        image, extra = solve(acq.slice(i), slice_ctx)
        extras.append(extra)
        return image.abs()[0].cpu().numpy()

    return torch.from_numpy(for_each_slice(ctx, list(range(acq.kspace.shape[0])), one, description)), extras


class Sense:
    """ESPIRiT maps, then CG-SENSE with optional Tikhonov regularisation, slice by slice."""

    def __call__(self, sample: Sample, config: dict[str, Any], ctx: RunContext) -> PipelineResult:
        acq = read_acquisition(sample, "mri/sense").to(ctx.device)

        def solve(part: Acquisition, slice_ctx: RunContext) -> tuple[torch.Tensor, None]:
            with slice_ctx.stage("espirit"):
                maps = configured_maps(part, config)
            with slice_ctx.stage("cg"):
                op = MultiCoilCartesian(maps, part.mask)
                return sense(op, part.kspace, config["iterations"], config["tikhonov"]), None

        image, _ = _slice_by_slice(acq, ctx, "mri/sense: slices", solve)
        return _output(sample, acq, image, f"CG-SENSE {config['iterations']} it, tikhonov {config['tikhonov']:g}", {})


def _soft(z: torch.Tensor, threshold: float | torch.Tensor) -> torch.Tensor:
    """Complex soft thresholding: shrink |z| by ``threshold``, keep the phase."""
    magnitude = z.abs()
    return z * torch.clamp(1 - threshold / magnitude.clamp_min(1e-30), min=0)


def wavelet_prox(x: torch.Tensor, threshold: float | torch.Tensor, levels: int, moments: int) -> torch.Tensor:
    """Psi^T soft(Psi x, threshold) for complex x (N, H, W): the real and imaginary parts share one real
    orthonormal transform, so the complex coefficient is soft-thresholded by its magnitude; the
    approximation band is kept."""
    n = x.shape[0]
    approx, details = wavedec2(torch.cat([x.real, x.imag]), levels, moments)
    shrunk = []
    for d in details:
        z = _soft(torch.complex(d[:n], d[n:]), threshold)
        shrunk.append(torch.cat([z.real, z.imag]))
    out = waverec2(approx, shrunk, moments)
    return torch.complex(out[:n], out[n:])


def cs_wavelet(op: MultiCoilCartesian, y: torch.Tensor, lam: float, iterations: int, levels: int,
               moments: int, lipschitz: float, tikhonov: float = 0.0) -> torch.Tensor:
    """FISTA on 1/2 ||A x - y||^2 + tikhonov / 2 ||x||^2 + lam max|A^H y| ||Psi_detail x||_1 from the
    zero-filled A^H y; ``lipschitz`` bounds ||A||^2 (the smooth part's constant is lipschitz + tikhonov)."""
    aty = op.A_adjoint(y)
    step = 1.0 / (lipschitz + tikhonov)
    threshold = lam * aty.abs().amax(dim=(-2, -1), keepdim=True)[:, None] * step
    x = z = aty
    t = 1.0
    for _ in range(iterations):
        x_new = wavelet_prox(z - step * (op.normal(z) + tikhonov * z - aty), threshold, levels, moments)
        t_new = (1 + (1 + 4 * t * t) ** 0.5) / 2
        z = x_new + ((t - 1) / t_new) * (x_new - x)
        x, t = x_new, t_new
    return x


def wavelet_levels(shape: tuple[int, int], levels: int, moments: int, path: Any) -> int:
    """``levels`` capped to what the image size allows; an InputError when not even one level fits."""
    allowed = max_wavelet_levels(shape[0], shape[1], moments)
    if allowed < 1:
        raise InputError(path, f"k-space of {shape[0]} x {shape[1]} is too small or odd-sized for a {moments}-moment "
                               "wavelet level (both sides must be even and at least the filter length)")
    return min(levels, allowed)


class CSWavelet:
    """ESPIRiT maps, then L1-wavelet compressed sensing by FISTA, slice by slice (pure torch: runs on the run's
    device)."""

    def __call__(self, sample: Sample, config: dict[str, Any], ctx: RunContext) -> PipelineResult:
        acq = read_acquisition(sample, "mri/cs-wavelet").to(ctx.device)
        levels = wavelet_levels(acq.kspace.shape[-2:], config["levels"], config["moments"], sample.path or "input")

        def solve(part: Acquisition, slice_ctx: RunContext) -> tuple[torch.Tensor, float]:
            with slice_ctx.stage("espirit"):
                maps = configured_maps(part, config)
            with slice_ctx.stage("fista"):
                op = MultiCoilCartesian(maps, part.mask)
                # ||A||^2 <= max_r sum_c |S_c(r)|^2 for a 0/1 mask: 1 for ESPIRiT or unit maps
                lipschitz = float(torch.sum(maps.abs() ** 2, dim=1).amax().clamp_min(1e-12))
                return cs_wavelet(op, part.kspace, config["lam"], config["iterations"], levels, config["moments"],
                                  lipschitz, config["tikhonov"]), lipschitz

        image, lipschitz = _slice_by_slice(acq, ctx, "mri/cs-wavelet: slices", solve)
        return _output(sample, acq, image, f"L1-wavelet CS lam {config['lam']:g}, {config['iterations']} it",
                       {"wavelet_levels": levels, "lipschitz": max(lipschitz)})
