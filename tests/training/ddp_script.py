"""Run by test_ddp.py under ``torchrun --nproc_per_node=2``: three DDP steps on CPU (gloo).

Rank 1 starts from other weights and every rank trains on its own batches with its own noise, so
the ranks end equal only if DDP broadcasts the initial weights and averages the gradients. Each
rank saves its final weights and EMA to ``OUT/rank<r>.pt``; rank 0 also writes a checkpoint.
The process group is always left (in a ``finally``, after a barrier when training finished), and
the trainer, which holds the DDP model, is gone before that.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from toy import clean_batches, ddpm_loss, make_model

from denoisekit.training import Trainer, close_distributed, init_distributed, rank_and_world

TIMEOUT_S = 60  # a collective waiting on a dead peer fails after this instead of hanging


def train(out: Path, device: torch.device) -> None:
    rank, world = rank_and_world()
    assert world == 2, f"expected 2 processes, got {world}"
    trainer = Trainer(make_model(seed=rank), ddpm_loss, lambda p: torch.optim.Adam(p, lr=1e-2), device=device,
                      seed=3, ema_decay=0.5, grad_clip=1.0, checkpoint_dir=out / "checkpoints", progress=False)
    trainer.fit(clean_batches()[rank::world], 3)
    torch.save({"model": trainer.model.state_dict(), "ema": trainer.ema.state_dict()["module"]},
               out / f"rank{rank}.pt")


def main(out: Path) -> None:
    torch.set_num_threads(1)
    device = init_distributed("cpu", timeout=TIMEOUT_S)
    finished = False
    try:
        train(out, device)
        finished = True
    finally:
        close_distributed(barrier=finished)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
