"""The joint posterior sampler of Stevens et al. 2024 (the core's :class:`JointPosteriorSampler`) with the data
term of the paper's Eq. 10 in the companded domain: the tissue ``x`` and haze ``h`` live in mu-law companded
form ``C``, and consistency compares ``s = C(C^-1(x) + gamma C^-1(h))`` (the sum in the linear RF/IQ domain) with
the companded measurement. The residual ``r = target - s`` is moved back onto ``x`` and ``h`` along the
Jacobian ``a = ds/dx``, ``b = ds/dh`` as a Gauss-Newton projection,

    x <- x + 2 lam r a / (a^2 + b^2),    h <- h + 2 kappa r b / (a^2 + b^2),

which is the core's (and the paper's) linear update for ``gamma = 1`` and ``a = b = 1`` and stays bounded where
``C``'s slope is steep (the paper's plain gradient step is unstable there). ``a = (1 + mu)^|x| / (1 + mu |u|)``,
``b = gamma (1 + mu)^|h| / (1 + mu |u|)`` with ``u = C^-1(x) + gamma C^-1(h)``, on estimates clamped to [-1, 1].
"""

from __future__ import annotations

import math

import torch

from denoisekit.api import JointPosteriorSampler
from denoisekit_ultrasound.transforms import MU, mu_law, mu_law_inverse


class CompandedJointSampler(JointPosteriorSampler):
    """:class:`JointPosteriorSampler` whose consistency sums the sources in the linear domain (module docstring)."""

    def correction(self, z: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        x, h = (v.clamp(-1.0, 1.0) for v in z.chunk(2, dim=1))
        u = (mu_law_inverse(x) + self.gamma * mu_law_inverse(h)).clamp(-1.0, 1.0)
        r = target - mu_law(u)
        slope = 1.0 / (1.0 + MU * u.abs())
        a = torch.exp(x.abs() * math.log1p(MU)) * slope
        b = self.gamma * torch.exp(h.abs() * math.log1p(MU)) * slope
        norm = a**2 + b**2
        return torch.cat([2 * self.lam * r * a / norm, 2 * self.kappa * r * b / norm], dim=1)
