"""Exponential moving average (EMA) of a model's weights, as used to sample from diffusion models.

After every optimiser step ``theta_ema <- decay * theta_ema + (1 - decay) * theta`` for each
floating-point parameter (Polyak averaging; DDPM, Ho et al. 2020, uses decay 0.9999); buffers
(e.g. BatchNorm statistics) and integer parameters are copied.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn


class EMA:
    """An averaged copy ``module`` of ``model`` (eval mode, no gradients); ``update`` after each step."""

    def __init__(self, model: nn.Module, decay: float):
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"EMA decay must be in [0, 1), got {decay}")
        self.decay = decay
        self.module = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Move the average towards ``model``'s current weights (same architecture as ``module``)."""
        averaged, current = [], []
        for ema_p, p in zip(self.module.parameters(), model.parameters(), strict=True):
            if ema_p.is_floating_point():
                averaged.append(ema_p)
                current.append(p.detach())
            else:
                ema_p.copy_(p)
        if averaged:  # theta_ema + (1 - decay) * (theta - theta_ema), fused over all tensors
            torch._foreach_lerp_(averaged, current, 1.0 - self.decay)
        for ema_b, b in zip(self.module.buffers(), model.buffers(), strict=True):
            ema_b.copy_(b)

    def state_dict(self) -> dict[str, Any]:
        return {"decay": self.decay, "module": self.module.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.decay = float(state["decay"])
        self.module.load_state_dict(state["module"])
