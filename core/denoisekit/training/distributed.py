"""Start and stop torch.distributed from the environment ``torchrun`` sets (WORLD_SIZE, RANK, LOCAL_RANK).

The same script runs as a single process (``python train.py``) and as several
(``torchrun --nproc_per_node=N train.py``): without WORLD_SIZE > 1 nothing is initialised.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from denoisekit.device import resolve_device


def init_distributed(device: str = "auto") -> torch.device:
    """This process's device; under torchrun also join the process group (NCCL on CUDA, else gloo).

    ``device`` is ``auto``, ``cpu`` or ``cuda``: on CUDA, process ``LOCAL_RANK`` gets GPU ``LOCAL_RANK``.
    """
    chosen = resolve_device(device)
    if chosen.type == "cuda" and chosen.index is None:
        chosen = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(chosen)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if chosen.type == "cuda" else "gloo")
    return chosen


def rank_and_world() -> tuple[int, int]:
    """``(rank, world_size)`` of the process group, or ``(0, 1)`` when none is initialised."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def close_distributed() -> None:
    """Leave the process group, if any (call once at the end of a script)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
