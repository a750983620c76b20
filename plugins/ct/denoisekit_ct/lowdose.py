"""Low-dose CT simulation from a reconstructed slice (Zeng et al., "A simple low-dose x-ray CT
simulation from high-dose scan", IEEE TNS 62(5), 2015, eq. 5 and sec. II).

HU -> linear attenuation mu = mu_water (1 + HU / 1000) (clipped at 0, so air and the -2000 HU
outside the field of view absorb nothing), line integrals p = A mu (Joseph projector,
:mod:`denoisekit_ct.projector`), transmitted counts N = Poisson(I0 exp(-p)) + Normal(0, sigma_e^2)
(quantum plus electronic noise), clamped to at least one count, p_ld = -ln(N / I0), FBP
(:mod:`denoisekit_ct.fbp`), mu -> HU.

mu_water = 0.0192 per mm (water near a 70 keV effective energy) and ``pixel_size`` in mm make p
dimensionless; I0 counts per detector bin and view. The noise level depends on I0 *and* on the
geometry and filter (views, bin width, pixel size, window): calibrate I0 for yours.

By default (``insert_noise=True``) only the noise is added to the input: the output is
HU + (FBP(p_ld) - FBP(p)) in HU, so the input stays the exact noise-free reference (same resolution,
no FBP blur or streaks from re-projection). With ``insert_noise=False`` it is FBP(p_ld) in HU.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from denoisekit_ct.fbp import fbp
from denoisekit_ct.geometry import Geometry, parallel_beam
from denoisekit_ct.projector import CTProjector

MU_WATER_PER_MM = 0.0192
DEFAULT_ELECTRONIC_SIGMA = 10**0.5  # sigma_e^2 = 10 counts^2; set it for your detector


def hu_to_mu(hu: torch.Tensor, mu_water: float = MU_WATER_PER_MM) -> torch.Tensor:
    """Attenuation per mm, clipped at zero."""
    return (mu_water * (1 + hu / 1000)).clamp_min(0)


def mu_to_hu(mu: torch.Tensor, mu_water: float = MU_WATER_PER_MM) -> torch.Tensor:
    return 1000 * (mu / mu_water - 1)


def simulate_low_dose(hu: np.ndarray, i0: float, **options: Any) -> np.ndarray:
    """A low-dose version of ``hu`` ((H, W) or (..., H, W) slices, HU) at ``i0`` photons per bin.

    ``options`` are those of :func:`simulate_doses`: geometry (default parallel beam with ``views``
    views over 180 deg, bins of ``pixel_size`` (mm) covering the diagonal; ``pixel_size`` is ignored
    when ``geometry`` is given), ``electronic_sigma``, ``filter``, ``insert_noise``, ``mu_water``, and
    ``generator`` (a torch generator on ``device``, else one seeded with ``seed``).
    Returns float32 HU of the input's shape.
    """
    return simulate_doses(hu, (i0,), **options)[0]


def simulate_doses(
    hu: np.ndarray,
    i0s: Sequence[float],
    *,
    electronic_sigma: float = DEFAULT_ELECTRONIC_SIGMA,
    views: int = 720,
    pixel_size: float = 0.5,
    geometry: Geometry | None = None,
    filter: str = "hann",
    insert_noise: bool = True,
    mu_water: float = MU_WATER_PER_MM,
    generator: torch.Generator | None = None,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> list[np.ndarray]:
    """:func:`simulate_low_dose` at several I0, projecting each slice once; the noise of the doses
    is drawn in the order of ``i0s`` from one generator."""
    if any(i0 <= 0 for i0 in i0s) or electronic_sigma < 0:
        raise ValueError("every i0 must be positive and electronic_sigma non-negative")
    hu = np.asarray(hu)
    if hu.ndim < 2:
        raise ValueError(f"need (..., H, W) slices, got shape {hu.shape}")
    device = torch.device(device or "cpu")
    geometry = geometry or parallel_beam(hu.shape[-2:], views, pixel_size=pixel_size)
    if tuple(geometry.image_shape) != hu.shape[-2:]:
        raise ValueError(f"geometry is for {geometry.image_shape} images, got slices of {hu.shape[-2:]}")
    if generator is None:
        generator = torch.Generator(device=device).manual_seed(seed)
    op = CTProjector(geometry)
    slices = torch.as_tensor(hu.reshape(-1, *hu.shape[-2:]), dtype=torch.float32, device=device)
    outs = [torch.empty_like(slices) for _ in i0s]
    with torch.no_grad():
        for i, slice_hu in enumerate(slices):
            p = op.A(hu_to_mu(slice_hu, mu_water))
            noisy = []
            for i0 in i0s:
                counts = torch.poisson(i0 * torch.exp(-p), generator=generator)
                counts = counts + electronic_sigma * torch.randn(p.shape, generator=generator, device=device)
                noisy.append(-torch.log(counts.clamp_min(1.0) / i0))
            p_low = torch.stack(noisy)  # one batched FBP for all doses
            if insert_noise:
                images = slice_hu + 1000 * fbp(p_low - p, geometry, filter) / mu_water
            else:
                images = mu_to_hu(fbp(p_low, geometry, filter), mu_water)
            for out, image in zip(outs, images, strict=True):
                out[i] = image
    return [out.reshape(hu.shape).cpu().numpy() for out in outs]
