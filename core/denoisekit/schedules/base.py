"""The noise-schedule interface shared by every diffusion sampler.

A schedule describes a forward (noising) process on continuous time ``t`` in ``[t_min, t_max]``
whose marginal given the clean signal ``x0`` (and, for OUVE, the observation ``y``) is Gaussian:

    x_t = scale(t) * (x0 + sigma(t) * eps) + shift(t, y),    eps ~ N(0, I),

the EDM form of Karras et al., NeurIPS 2022, eq. 4 and Table 1 (``shift`` is zero except for OUVE,
whose mean drifts towards ``y``), together with the SDE ``dx = f(x, t) dt + g(t) dw`` that has these
marginals (Song et al., ICLR 2021, eq. 5).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import torch

Tensor = torch.Tensor
Time = float | Tensor


def as_time(t: Time) -> Tensor:
    """``t`` as a tensor: floats become float64 0-d tensors, tensors are kept as they are."""
    return t if isinstance(t, Tensor) else torch.tensor(t, dtype=torch.float64)


def per_sample(v: float | Tensor, x: Tensor) -> float | Tensor:
    """``v`` (a float, a 0-d or a (B,) tensor) shaped to broadcast against ``x`` of shape (B, ...)."""
    if not isinstance(v, Tensor) or v.ndim == 0:
        return v
    return v.to(device=x.device, dtype=x.dtype).reshape(-1, *([1] * (x.ndim - 1)))


_MEMOISED = ("scale", "sigma")
_MEMO_SIZE = 4096


def _memoised(method: Callable[[Any, Time], Tensor]) -> Callable[[Any, Time], Tensor]:
    """``scale(t)`` / ``sigma(t)`` memoised per schedule for float ``t``: a sampler asks for the same few
    times several times per step, and each evaluation is a handful of small tensor operations (about
    half of a sampler's own per-step time on CPU before this). Tensor times are computed each time."""

    @functools.wraps(method)
    def memo(self: Any, t: Time) -> Tensor:
        if type(t) is not float:
            return method(self, t)
        cache = self.__dict__.get("_memo")
        if cache is None or len(cache) >= _MEMO_SIZE:
            cache = self.__dict__["_memo"] = {}
        key = (method.__name__, t)
        if key not in cache:
            cache[key] = method(self, t)
        return cache[key]

    return memo


class NoiseSchedule:
    """Base class: a forward process ``x_t = scale(t) (x0 + sigma(t) eps) + shift(t, y)`` and its SDE.

    Subclasses set ``t_min`` and ``t_max`` and implement ``sigma`` and ``sde`` (and ``scale``,
    ``shift``, ``sigma_to_t`` where they differ from the defaults). Time arguments are floats,
    0-d tensors or (B,) tensors (one time per sample); results are tensors of the same shape.
    """

    t_min: float
    t_max: float

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _MEMOISED:
            if name in cls.__dict__:
                setattr(cls, name, _memoised(cls.__dict__[name]))

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__.pop("_memo", None)  # a changed parameter invalidates the memoised coefficients
        super().__setattr__(name, value)

    def __new__(cls, *args: Any, **kwargs: Any) -> NoiseSchedule:
        self = super().__new__(cls)
        bound = inspect.signature(cls.__init__).bind(self, *args, **kwargs)
        bound.apply_defaults()
        self._config = {k: v for k, v in list(bound.arguments.items())[1:]}
        return self

    @_memoised
    def scale(self, t: Time) -> Tensor:
        """The signal scale ``s(t)``; 1 for variance-exploding schedules."""
        return torch.ones_like(as_time(t))

    def sigma(self, t: Time) -> Tensor:
        """The noise level ``sigma(t)`` of the unscaled variable ``(x_t - shift) / scale = x0 + sigma eps``."""
        raise NotImplementedError

    def shift(self, t: Time, y: Tensor | None = None) -> float | Tensor:
        """The part of the mean that does not depend on ``x0``; 0 except for OUVE."""
        return 0.0

    def marginal(self, x0: Tensor, t: Time, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Mean and standard deviation of ``x_t`` given ``x0`` (and ``y``), broadcastable against ``x0``."""
        s = as_time(self.scale(t))
        return per_sample(s, x0) * x0 + self.shift(t, y), per_sample(s * self.sigma(t), x0)

    def sde(self, x: Tensor, t: Time, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Drift ``f(x, t)`` and diffusion ``g(t)`` of the forward SDE ``dx = f dt + g dw``."""
        raise NotImplementedError

    def prior_sample(
        self,
        shape: tuple[int, ...] | torch.Size,
        y: Tensor | None = None,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> Tensor:
        """A draw from the marginal at ``t_max`` with ``x0 = 0``, the usual prior of the reverse process."""
        if device is None and generator is not None:
            device = generator.device
        noise = torch.randn(tuple(shape), generator=generator, device=device, dtype=dtype)
        mean, std = self.marginal(torch.zeros_like(noise), self.t_max, y)
        return mean + std * noise

    def sigma_to_t(self, sigma: float | Tensor) -> Tensor:
        """The time at which the noise level is ``sigma`` (the inverse of ``sigma(t)``)."""
        raise NotImplementedError(f"{type(self).__name__} has no closed-form inverse of sigma(t)")

    def timesteps(self, steps: int, device: torch.device | str | None = None) -> Tensor:
        """``steps + 1`` decreasing times from ``t_max`` to ``t_min`` (float64): the sampling grid."""
        return self.grid_between(self.t_max, self.t_min, steps, device)

    def grid_between(self, start: float, end: float, steps: int,
                     device: torch.device | str | None = None) -> Tensor:
        """``steps + 1`` decreasing times from ``start`` to ``end`` (float64), spaced as this schedule
        spaces its grid (evenly here); a :class:`~denoisekit.schedules.Truncated` schedule keeps the spacing."""
        return torch.linspace(start, end, steps + 1, dtype=torch.float64, device=device)

    def config(self) -> dict[str, Any]:
        """The constructor arguments as a JSON-serialisable dict, with the class name under ``_class_name``."""
        return {"_class_name": type(self).__name__, **self._config}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> NoiseSchedule:
        """Rebuild a schedule from :meth:`config`; on the base class the subclass is found by ``_class_name``."""
        kwargs = dict(config)
        name = kwargs.pop("_class_name", cls.__name__)
        if name == cls.__name__:
            return cls(**kwargs)
        for sub in _subclasses(cls):
            if sub.__name__ == name:
                return sub(**kwargs)
        raise ValueError(f"unknown noise schedule {name!r}")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "_class_name")
        return f"{type(self).__name__}({args})"


class ObservationStartSchedule(NoiseSchedule):
    """A schedule whose mean moves from ``x0`` to the observation ``y`` (OUVE, the Schroedinger bridge): its reverse
    process starts at ``y + std(t_max) z``, the marginal at ``t_max`` with ``x0`` replaced by ``y``."""

    def prior_sample(
        self,
        shape: tuple[int, ...] | torch.Size,
        y: Tensor | None = None,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> Tensor:
        """``y + std(t_max) z`` on ``y``'s device and dtype."""
        if y is None:
            raise ValueError(f"the {type(self).__name__} schedule needs the observation y")
        noise = torch.randn(tuple(shape), generator=generator, device=y.device, dtype=y.dtype)
        return y + float(self.scale(self.t_max) * self.sigma(self.t_max)) * noise


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
