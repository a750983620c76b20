"""Training the 3-D prior: the eps-prediction loss on random patches of device-resident cubes, with the core
:class:`~denoisekit.training.Trainer` (seeded, EMA, resumable checkpoints).

Every random draw of a step (which cube, where the patch is, flips, times, noise) comes from the trainer's
generator on the training device, so a step depends only on the weights, the cubes and that generator's state
(both kept by a checkpoint): a resumed run continues exactly as an uninterrupted one. Times are drawn uniformly on
``[0, t_train_max]``: only noise levels up to ``sigma(t_train_max)`` are learnt, those a denoiser needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from denoisekit.api import random_crops
from denoisekit_hsi.diffusion3d.prior import make_schedule, payload
from denoisekit_hsi.diffusion3d.unet import build_unet

Tensor = torch.Tensor


def prepare(cube: Tensor, patch: Sequence[int]) -> Tensor:
    """A cube (bands, H, W) scaled to [-1, 1] by its min and max, edge-padded up to ``patch`` on each axis."""
    lo, hi = cube.min(), cube.max()
    x = (cube - lo) * (2 / (hi - lo).clamp_min(1e-12)) - 1
    pads = [max(0, p - n) for p, n in zip(patch, x.shape, strict=True)]
    if any(pads):
        x = torch.nn.functional.pad(x[None, None], (0, pads[2], 0, pads[1], 0, pads[0]), mode="replicate")[0, 0]
    return x


class EpsLoss:
    """``mean((unet(x_t, t) - eps)^2)`` for ``batch`` random patches of random cubes with random H/W flips (the
    core's ``random_crops``), ``t ~ U[0, t_train_max]``, ``x_t = scale(t) (x0 + sigma(t) eps)`` (Ho et al.,
    NeurIPS 2020, eq. 14)."""

    def __init__(self, schedule: Any, patch: Sequence[int], batch: int, t_train_max: float):
        self.schedule, self.patch, self.batch, self.t_train_max = schedule, tuple(patch), batch, t_train_max

    def __call__(self, model: torch.nn.Module, cubes: Sequence[Tensor], generator: torch.Generator) -> Tensor:
        x0 = random_crops(cubes, self.patch, self.batch, generator, flips=(1, 2))[:, None]
        t = torch.rand(self.batch, generator=generator, device=x0.device) * self.t_train_max
        scale = self.schedule.scale(t).to(x0.dtype)[:, None, None, None, None]
        sigma = self.schedule.sigma(t).to(x0.dtype)[:, None, None, None, None]
        eps = torch.randn(x0.shape, generator=generator, device=x0.device, dtype=x0.dtype)
        return torch.nn.functional.mse_loss(model(scale * (x0 + sigma * eps), timesteps=t), eps)


def train(cubes: Sequence[Tensor], *, arch: dict[str, Any], patch: Sequence[int], steps: int, batch: int, lr: float,
          sigma_train_max: float, ema_decay: float, device: torch.device | str, seed: int,
          checkpoints: Path | None = None, checkpoint_every: int | None = None, progress: bool = False) -> dict:
    """Train (resuming from ``checkpoints`` when it holds ``step-*.pt``) until ``steps`` and return the weights
    payload of the EMA network. ``cubes``: (bands, H, W) tensors in any range; ``sigma_train_max`` on [-1, 1]."""
    from denoisekit.api import Trainer
    from denoisekit_hsi.diffusion3d.prior import SCHEDULE

    schedule = make_schedule(SCHEDULE)
    t_train_max = float(schedule.sigma_to_t(sigma_train_max))
    data = [[prepare(torch.as_tensor(c, dtype=torch.float32), patch).to(device) for c in cubes]]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        unet = build_unet(arch)
    trainer = Trainer(unet, EpsLoss(schedule, patch, batch, t_train_max),
                      lambda params: torch.optim.Adam(params, lr=lr), device=device, seed=seed, ema_decay=ema_decay,
                      checkpoint_dir=checkpoints, checkpoint_every=checkpoint_every, progress=progress)
    if checkpoints is not None:
        trainer.resume(checkpoints, missing_ok=True)
    trainer.fit(data, steps)
    return payload(trainer.ema.module, arch, patch, t_train_max)
