"""Choose the torch device for ``--device auto|cpu|cuda[:N]`` without initialising CUDA needlessly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from denoisekit.errors import UserError

if TYPE_CHECKING:
    import torch


def resolve_device(requested: str = "auto") -> torch.device:
    """``auto`` picks CUDA when available, else CPU; asking for CUDA without it is a user error."""
    import torch

    req = requested.strip().lower()
    if req == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if req == "cpu":
        return torch.device("cpu")
    if req.startswith("cuda"):
        if not torch.cuda.is_available():
            raise UserError(f"--device {requested}: CUDA is not available on this machine (use cpu or auto)")
        dev = torch.device(req)
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise UserError(f"--device {requested}: only {torch.cuda.device_count()} CUDA device(s) present")
        return dev
    raise UserError(f"--device {requested!r}: expected auto, cpu, cuda or cuda:N")
