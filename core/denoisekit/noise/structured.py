"""Structured corruptions that are samplers only (no likelihood, no Tweedie formula): stripes and dead
lines of push-broom and line-scan sensors, and impulse (salt-and-pepper) noise.

These follow the mixed-noise cases of hyperspectral denoising benchmarks, e.g. Wei, Fu & Huang,
"3-D quasi-recurrent neural network for hyperspectral image denoising", IEEE TNNLS 32(1), 2021
(stripe, deadline and impulse cases). Lines run along ``axis`` (default -2, the H axis: each column
of every image and channel is one line); every line or element is drawn independently per batch element
and channel.
"""

from __future__ import annotations

import torch

from denoisekit.noise.base import NoiseModel


def _line_shape(x: torch.Tensor, axis: int) -> tuple[int, ...]:
    """x's shape with ``axis`` set to 1: one draw per line along ``axis``."""
    shape = list(x.shape)
    shape[axis] = 1
    return tuple(shape)


def _bernoulli(shape: tuple[int, ...], p: float, x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    return torch.rand(shape, generator=generator, device=x.device) < p


class Stripes(NoiseModel):
    """y = x + b: each line is striped with probability ``fraction``; a striped line gets a constant offset
    b ~ N(0, sigma^2)."""

    def __init__(self, sigma: float, fraction: float = 1.0, axis: int = -2):
        super().__init__()
        self.sigma, self.fraction, self.axis = float(sigma), float(fraction), axis

    def sample(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        shape = _line_shape(x, self.axis)
        striped = _bernoulli(shape, self.fraction, x, generator)
        offset = self.sigma * torch.randn(shape, generator=generator, device=x.device, dtype=x.real.dtype)
        return x + striped * offset


class DeadLines(NoiseModel):
    """Each line is dead with probability ``fraction``: all of its elements are set to ``value``."""

    def __init__(self, fraction: float, value: float = 0.0, axis: int = -2):
        super().__init__()
        self.fraction, self.value, self.axis = float(fraction), float(value), axis

    def sample(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        dead = _bernoulli(_line_shape(x, self.axis), self.fraction, x, generator)
        return torch.where(dead, torch.as_tensor(self.value, dtype=x.dtype, device=x.device), x)


class Impulse(NoiseModel):
    """Salt-and-pepper noise: each element is corrupted with probability ``amount``, to ``high`` with
    probability ``salt`` and to ``low`` otherwise."""

    def __init__(self, amount: float, low: float = 0.0, high: float = 1.0, salt: float = 0.5):
        super().__init__()
        self.amount, self.low, self.high, self.salt = float(amount), float(low), float(high), float(salt)

    def sample(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        hit = _bernoulli(tuple(x.shape), self.amount, x, generator)
        salt = _bernoulli(tuple(x.shape), self.salt, x, generator)
        level = torch.where(salt, self.high, self.low).to(x.dtype)
        return torch.where(hit, level, x)
