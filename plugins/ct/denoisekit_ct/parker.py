"""Parker's short-scan weights for fan-beam FBP.

D. L. Parker, "Optimal short scan convolution reconstruction for fan beam CT", Med. Phys. 9(2), 254-257
(1982), eq. 12; Kak & Slaney (1988) sec. 3.4.3. A fan-beam scan over beta in [0, pi + 2 Delta], with
Delta at least the half fan angle, measures some rays twice: ray (beta, gamma) again as
(beta + pi + 2 gamma, -gamma) in Parker's convention. The weights

    w = sin^2(pi/4 beta / (Delta - gamma))                   0 <= beta <= 2 Delta - 2 gamma
        1                                                    2 Delta - 2 gamma <= beta <= pi - 2 gamma
        sin^2(pi/4 (pi + 2 Delta - beta) / (Delta + gamma))  pi - 2 gamma <= beta <= pi + 2 Delta

sum to 1 over each such pair and are smooth, so the weighted short scan reconstructs like half of a
full scan. In :mod:`denoisekit_ct.geometry` the ray of fan angle g at view t is the parallel ray of
angle t - g, so its pair is (t + pi - 2 g, -g): Parker's gamma is -g here. Delta is taken from the
scan, (range - pi) / 2, which gives Parker's weights for a minimal scan and smooth weights for any
longer one short of 360 deg.
"""

from __future__ import annotations

import math

import torch

from denoisekit_ct.geometry import Geometry


def fan_angles(geometry: Geometry, device: torch.device | str | None = None) -> torch.Tensor:
    """The (U,) fan angle of each detector bin (float64): s / D (equiangular) or atan(s / D) (flat)."""
    s = geometry.detector_positions(device)
    if geometry.kind == "fan-equiangular":
        return s / geometry.detector_distance
    return torch.atan(s / geometry.detector_distance)


def parker_weight(beta: torch.Tensor, gamma: torch.Tensor, delta: float) -> torch.Tensor:
    """Parker's w(beta, gamma) (eq. 12) for a scan over [0, pi + 2 ``delta``], in Parker's convention."""
    rising = torch.sin(math.pi / 4 * beta / (delta - gamma).clamp_min(1e-12)).square()
    falling = torch.sin(math.pi / 4 * (math.pi + 2 * delta - beta) / (delta + gamma).clamp_min(1e-12)).square()
    w = torch.where(beta < 2 * delta - 2 * gamma, rising, torch.ones_like(rising))
    return torch.where(beta > math.pi - 2 * gamma, falling, w).clamp(0.0, 1.0)


def check_short_scan(geometry: Geometry) -> None:
    """ValueError when a fan-beam scan is shorter than 180 deg plus the fan angle: some rays are then never
    measured."""
    half_fan = float(fan_angles(geometry).abs().max())
    if geometry.angle_range < math.pi + 2 * half_fan - 1e-9:
        raise ValueError(f"a fan-beam short scan needs at least 180 deg plus the fan angle "
                         f"({180 + math.degrees(2 * half_fan):.1f} deg here), "
                         f"got {math.degrees(geometry.angle_range):.1f} deg")


def parker_weights(geometry: Geometry, device: torch.device | str | None = None) -> torch.Tensor:
    """The (V, U) float64 Parker weights of a fan-beam scan shorter than 360 deg (:func:`check_short_scan`
    first)."""
    if not geometry.is_fan:
        raise ValueError("Parker weights are for fan-beam scans")
    check_short_scan(geometry)
    gamma = -fan_angles(geometry, device)[None, :]
    beta = (geometry.angles(device) - geometry.angle_start)[:, None]
    return parker_weight(beta, gamma, (geometry.angle_range - math.pi) / 2)
