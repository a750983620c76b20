"""The noise-model interface: draw y ~ p(y | x), Tweedie's posterior estimate from a score, and the
data-fidelity gradient of -log p(y | Ax).

Complex signals (where a model supports them) follow the MRI convention: the real and imaginary
parts each carry the stated noise, and gradients and scores are d/dRe + i d/dIm (autograd's convention).
"""

from __future__ import annotations

import torch
from torch import nn


def standard_normal(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """N(0, 1) noise shaped like ``x``; for complex ``x`` each of the real and imaginary parts is N(0, 1)."""
    n = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return n * 2**0.5 if x.is_complex() else n


class NoiseModel(nn.Module):
    """A noise model p(y | x) on batch-first tensors; the device follows the inputs.

    ``nll`` is -log p(y | Ax) per batch element (shape (B,)), up to terms that do not depend on Ax;
    ``nll_grad`` is its gradient with respect to Ax in closed form. ``tweedie`` maps the score
    d/dy log p(y) of the noisy-data density to the model's Noise2Score estimate of x
    (Kim & Ye, "Noise2Score", NeurIPS 2021).
    """

    def sample(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        raise NotImplementedError

    def tweedie(self, y: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no Tweedie formula: it is not an exponential-family "
                                  "noise model, so a score does not give a posterior mean")

    def nll(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no likelihood: it is a corruption sampler only")

    def nll_grad(self, y: torch.Tensor, Ax: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no likelihood: it is a corruption sampler only")


def per_batch(t: torch.Tensor) -> torch.Tensor:
    """Sum over every axis but the first (batch) one."""
    return t.reshape(t.shape[0], -1).sum(dim=1)
