"""The denoiser and score-model interfaces.

A :class:`Denoiser` is the MMSE (Tweedie) estimate ``D(x, sigma) = E[x0 | x]`` of the clean signal
from ``x = x0 + sigma * eps``, ``eps ~ N(0, I)``: the EDM convention of Karras et al., NeurIPS 2022,
eq. 2 (``D`` minimises the L2 denoising loss) and eq. 3 (``grad log p(x; sigma) = (D(x; sigma) - x) / sigma^2``).
A :class:`ScoreModel` gives ``grad_x log p_t(x)`` of the marginal of a noise schedule at time ``t``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

Tensor = torch.Tensor


class Denoiser(torch.nn.Module):
    """``forward(x, sigma) -> x0_hat`` for ``x = x0 + sigma * eps`` (no signal scaling).

    ``sigma`` is a float, a 0-d tensor or a (B,) tensor with one noise level per sample.
    ``bias_free``: ``D(a x, a sigma) = a D(x, sigma)`` for every ``a > 0`` (Mohan et al., ICLR 2020).
    ``blind``: ``sigma`` is ignored (the noise level is estimated from ``x``).
    """

    bias_free: bool = False
    blind: bool = False

    def forward(self, x: Tensor, sigma: float | Tensor) -> Tensor:
        raise NotImplementedError


@runtime_checkable
class ScoreModel(Protocol):
    """``score(x, t, y=None)``: ``grad_x log p_t(x | y)`` for the marginal ``p_t`` of a noise schedule."""

    def score(self, x: Tensor, t: float | Tensor, y: Tensor | None = None) -> Tensor: ...
