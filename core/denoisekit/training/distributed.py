"""Start and stop torch.distributed from the environment ``torchrun`` sets (WORLD_SIZE, RANK, LOCAL_RANK).

The same script runs as a single process (``python train.py``) and as several
(``torchrun --nproc_per_node=N train.py``): without WORLD_SIZE > 1 nothing is initialised.
A script leaves the group in a ``finally`` (see :func:`close_distributed`).
"""

from __future__ import annotations

import os
from datetime import timedelta

import torch
import torch.distributed as dist

from denoisekit.device import resolve_device


def init_distributed(device: str = "auto", *, timeout: float | None = None) -> torch.device:
    """This process's device; under torchrun also join the process group (NCCL on CUDA, else gloo).

    ``device`` is ``auto``, ``cpu`` or ``cuda``: on CUDA, process ``LOCAL_RANK`` gets GPU ``LOCAL_RANK``.
    ``timeout`` (seconds) bounds every collective, so a rank whose peer died fails instead of
    waiting for torch's default (10 to 30 minutes).
    """
    chosen = resolve_device(device)
    if chosen.type == "cuda" and chosen.index is None:
        chosen = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(chosen)
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        limit = None if timeout is None else timedelta(seconds=timeout)
        dist.init_process_group("nccl" if chosen.type == "cuda" else "gloo", timeout=limit)
    return chosen


def rank_and_world() -> tuple[int, int]:
    """``(rank, world_size)`` of the process group, or ``(0, 1)`` when none is initialised."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def close_distributed(*, barrier: bool = True) -> None:
    """Leave the process group, if any: call it once at the end of a script, in a ``finally``.

    First wait at a barrier until every rank is done (``barrier``), so that no rank closes its
    connections while another still uses them, which can abort the other with ``terminate called
    without an active exception``. Pass ``barrier=False`` after an error: the other ranks may be
    waiting in another collective, and torchrun stops them anyway.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return
    try:
        if barrier:
            nccl = dist.get_backend() == "nccl"
            dist.barrier(device_ids=[torch.cuda.current_device()] if nccl else None)
    finally:
        dist.destroy_process_group()
