"""A tiny denoiser, data and DDPM-style loss (with Immiscible noise) shared by the trainer tests.

As a script, ``python toy.py KIND CHECKPOINT_DIR K`` trains towards 2K steps with a checkpoint
every K steps and is killed (``os._exit``) right after the first one is written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from denoisekit.training import Trainer, immiscible_assign

BATCHES_PER_EPOCH = 4


def make_model(seed: int = 0) -> nn.Module:
    """conv-GELU-dropout-conv; dropout draws from the global torch RNG, which checkpoints must keep."""
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.GELU(), nn.Dropout(0.1), nn.Conv2d(8, 1, 3, padding=1))
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0.0, 0.2, generator=g)
    return net


def ddpm_loss(model: nn.Module, x0: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Noise prediction at a random signal level, with the noise batch assigned to the images."""
    abar = torch.rand(x0.shape[0], 1, 1, 1, generator=generator, device=x0.device)
    noise = immiscible_assign(x0, torch.randn(x0.shape, generator=generator, device=x0.device))
    xt = abar.sqrt() * x0 + (1 - abar).sqrt() * noise
    return (model(xt) - noise).square().mean()


def clean_batches(seed: int = 1) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.rand(4, 1, 8, 8, generator=g) for _ in range(BATCHES_PER_EPOCH)]


class Stream:
    """A data source that keeps its own position (``state_dict``), as DeviceLoader does."""

    def __init__(self, batches: list[torch.Tensor]):
        self.batches, self.epoch, self.position = batches, 0, 0

    def __iter__(self) -> Iterator[torch.Tensor]:
        while self.position < len(self.batches):
            self.position += 1
            yield self.batches[self.position - 1] + 0.01 * self.epoch
        self.epoch, self.position = self.epoch + 1, 0

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch, self.position = state["epoch"], state["position"]


def make_source(kind: str) -> Any:
    """``epochs``: a function of the epoch (resumed by skipping); ``stream``: a resumable Stream."""
    batches = clean_batches()
    if kind == "epochs":
        return lambda epoch: [b + 0.01 * epoch for b in batches]
    return Stream(batches)


def make_trainer(checkpoint_dir: Path | None, k: int, model_seed: int = 0) -> Trainer:
    return Trainer(make_model(model_seed), ddpm_loss, lambda p: torch.optim.Adam(p, lr=1e-2),
                   scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5), seed=7, ema_decay=0.9,
                   grad_clip=1.0, checkpoint_dir=checkpoint_dir, checkpoint_every=k, log_every=2, progress=False)


if __name__ == "__main__":
    torch.set_num_threads(1)
    kind, directory, k = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    trainer = make_trainer(directory, k)
    save = trainer.save_checkpoint

    def save_and_die() -> None:
        save()
        os._exit(0)

    trainer.save_checkpoint = save_and_die
    trainer.fit(make_source(kind), 2 * k)
    sys.exit("the run was not killed after its first checkpoint")
