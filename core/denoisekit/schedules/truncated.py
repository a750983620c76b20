"""A schedule cut at a start time: the reverse process begins at a given noise level, not at ``t_max``.

A noisy observation ``y = x0 + sigma_y eps`` is a draw of the (unscaled) forward process at the time ``t0``
with ``sigma(t0) = sigma_y``, so a sampler can start at ``x_t0 = scale(t0) y`` and run only the part of the
reverse process below ``t0`` (DDRM's start for denoising, Kawar et al., NeurIPS 2022; CCDF's "start
late", Chung et al., CVPR 2022). :class:`Truncated` is that schedule: the
parent's forward process unchanged (``scale``, ``sigma``, ``shift``, the SDE) on ``[t_min, t0]``, with the
parent's grid spacing between ``t0`` and ``t_min``. It is a new object; the parent is not modified, and
:meth:`config` records both, so the cut is visible wherever the schedule is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from denoisekit.schedules.base import NoiseSchedule, Tensor, Time


class Truncated(NoiseSchedule):
    """``schedule`` on ``[schedule.t_min, t_start]``: the reverse process starts at ``t_start``.

    ``schedule`` is a schedule or its :meth:`~NoiseSchedule.config` (as :meth:`config` stores it).
    ``t_start`` must lie in ``[t_min, t_max]`` of the parent.
    """

    def __init__(self, schedule: NoiseSchedule | Mapping[str, Any], t_start: float):
        parent = schedule if isinstance(schedule, NoiseSchedule) else NoiseSchedule.from_config(dict(schedule))
        t_start = float(t_start)
        if not parent.t_min <= t_start <= parent.t_max:
            raise ValueError(f"t_start {t_start} is outside {type(parent).__name__}'s "
                             f"[t_min, t_max] = [{parent.t_min}, {parent.t_max}]")
        self.parent = parent
        self.t_min, self.t_max = parent.t_min, t_start
        self._config = {"schedule": parent.config(), "t_start": t_start}

    @classmethod
    def at_sigma(cls, schedule: NoiseSchedule, sigma: float) -> Truncated:
        """``schedule`` cut at the time where its noise level ``sigma(t)`` (unscaled) is ``sigma``."""
        return cls(schedule, float(schedule.sigma_to_t(sigma)))

    def scale(self, t: Time) -> Tensor:
        return self.parent.scale(t)

    def sigma(self, t: Time) -> Tensor:
        return self.parent.sigma(t)

    def shift(self, t: Time, y: Tensor | None = None) -> float | Tensor:
        return self.parent.shift(t, y)

    def sde(self, x: Tensor, t: Time, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        return self.parent.sde(x, t, y)

    def sigma_to_t(self, sigma: float | Tensor) -> Tensor:
        return self.parent.sigma_to_t(sigma)

    def grid_between(self, start: float, end: float, steps: int,
                     device: torch.device | str | None = None) -> Tensor:
        return self.parent.grid_between(start, end, steps, device)
