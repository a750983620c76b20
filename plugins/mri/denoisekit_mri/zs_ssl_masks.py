"""The k-space splits of zero-shot self-supervised reconstruction (Yaman, Hosseini, Akçakaya, ICLR 2022).

The acquired locations Omega are split once into a validation set Gamma (the early-stopping data) and
Omega \\ Gamma; the latter is split K times into a pair (Theta_k, Lambda_k): the network is fed Theta_k and
scored on Lambda_k, with |Lambda_k| = rho |Omega \\ Gamma|. Lambda is drawn with a Gaussian density around the
k-space centre, SSDU's "Gaussian selection" (Yaman et al., MRM 2020), never from a small
centre block that stays in Theta; Gamma is drawn uniformly from Omega outside the calibration region (ACS).
Masks are (H, W) float tensors of 0 and 1, drawn point by point from the generator.
"""

from __future__ import annotations

import math

import torch


def centre_run(sampled: torch.Tensor) -> slice:
    """The contiguous run of True entries around the middle index of the 1-D ``sampled`` (empty if none)."""
    n = sampled.numel()
    c = n // 2
    if not bool(sampled[c]):
        return slice(c, c)
    lo, hi = c, c + 1
    while lo > 0 and bool(sampled[lo - 1]):
        lo -= 1
    while hi < n and bool(sampled[hi]):
        hi += 1
    return slice(lo, hi)


def acs_region(omega: torch.Tensor) -> torch.Tensor:
    """The fully sampled calibration region of the (H, W) mask ``omega``: the run of fully sampled columns
    (or rows) through the centre, else the largest fully sampled square around the centre (empty if none)."""
    acs = torch.zeros_like(omega)
    full = omega > 0
    cols = centre_run(full.all(dim=0))
    rows = centre_run(full.all(dim=1))
    if cols.stop - cols.start >= rows.stop - rows.start and cols.stop > cols.start:
        acs[:, cols] = 1
    elif rows.stop > rows.start:
        acs[rows, :] = 1
    else:
        h, w = omega.shape
        r = 0
        while r < min(h, w) // 2 and bool(full[h // 2 - r:h // 2 + r + 1, w // 2 - r:w // 2 + r + 1].all()):
            r += 1
        if r > 0:
            acs[h // 2 - r + 1:h // 2 + r, w // 2 - r + 1:w // 2 + r] = 1
    return acs * (omega > 0)


def _choose(weights: torch.Tensor, count: int, generator: torch.Generator | None) -> torch.Tensor:
    """A 0/1 mask of ``count`` locations drawn without replacement with probability proportional to ``weights``."""
    chosen = torch.zeros(weights.numel(), dtype=weights.dtype, device=weights.device)
    count = min(count, int((weights > 0).sum()))
    if count > 0:
        index = torch.multinomial(weights.flatten(), count, replacement=False, generator=generator)
        chosen[index] = 1
    return chosen.view(weights.shape)


def validation_split(omega: torch.Tensor, fraction: float,
                     generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(Gamma, Omega \\ Gamma): Gamma holds ``fraction`` of the acquired locations outside the ACS, uniformly."""
    candidates = (omega > 0).to(omega.dtype) * (1 - acs_region(omega))
    gamma = _choose(candidates, round(fraction * float(candidates.sum())), generator)
    return gamma, (omega > 0).to(omega.dtype) - gamma


def gaussian_split(mask: torch.Tensor, rho: float, generator: torch.Generator | None = None, *,
                   std_scale: float = 4.0, keep_centre: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    """(Theta, Lambda) with Lambda = ``rho`` of ``mask``'s locations drawn with a Gaussian density of standard
    deviation (H, W) / ``std_scale`` around the centre, never from the centre ``keep_centre`` square (SSDU)."""
    h, w = mask.shape
    rows = torch.arange(h, dtype=mask.dtype, device=mask.device) - h // 2
    cols = torch.arange(w, dtype=mask.dtype, device=mask.device) - w // 2
    density = torch.exp(-0.5 * ((rows[:, None] / (h / std_scale)) ** 2 + (cols[None, :] / (w / std_scale)) ** 2))
    acquired = (mask > 0).to(mask.dtype)
    centre = torch.zeros_like(acquired)
    half = keep_centre // 2
    centre[h // 2 - half:h // 2 + keep_centre - half, w // 2 - half:w // 2 + keep_centre - half] = 1
    lam = _choose(density * acquired * (1 - centre), math.ceil(rho * float(acquired.sum())), generator)
    return acquired - lam, lam
