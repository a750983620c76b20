"""Training: a seeded, resumable, DDP-ready trainer, EMA, and Immiscible noise assignment (docs/training.md)."""

from denoisekit.training.distributed import close_distributed, init_distributed, rank_and_world
from denoisekit.training.ema import EMA
from denoisekit.training.immiscible import assignment, immiscible_assign
from denoisekit.training.trainer import Trainer

__all__ = ["EMA", "Trainer", "assignment", "close_distributed", "immiscible_assign", "init_distributed",
           "rank_and_world"]
