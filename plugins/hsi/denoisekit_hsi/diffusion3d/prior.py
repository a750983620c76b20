"""The trained 3-D prior as a core :class:`~denoisekit.denoisers.Denoiser` on whole cubes, and its weights file.

``D(x~, sigma)`` for a cube ``x~ = x0 + sigma eps`` (1, bands, H, W) on [-1, 1]: cut into overlapping patches,
evaluate the eps-network at the time ``t`` with ``sigma(t) = sigma`` on ``x_t = scale(t) x~``, take
``x0 = x~ - sigma eps`` per patch (Tweedie's formula for the eps-parameterisation) and blend the patches.

The weights file (``torch.save`` of plain values, loaded with ``weights_only``) holds
``{"format", "architecture", "patch", "schedule", "t_train_max", "state_dict"}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from denoisekit.api import Denoiser, InputError, load_weights
from denoisekit_hsi.diffusion3d.patches import blend, grid, split, window
from denoisekit_hsi.diffusion3d.unet import ARCHITECTURE_KEYS, build_unet

Tensor = torch.Tensor
FORMAT = "denoisekit_hsi.diffusion3d/1"
SCHEDULE = {"num_train_timesteps": 1000, "schedule": "linear_beta"}


def shipped_weights() -> Path:
    """The reference weights in the package: ``denoisekit_hsi/weights/diffusion3d_tiny.pt``."""
    return Path(__file__).resolve().parent.parent / "weights" / "diffusion3d_tiny.pt"


def make_schedule(spec: Mapping[str, Any]) -> Any:
    """The core :class:`~denoisekit.schedules.DiscreteVP` of the training (MONAI's beta registry)."""
    from denoisekit.api import DiscreteVP

    return DiscreteVP(int(spec["num_train_timesteps"]), str(spec["schedule"]))


def payload(unet: torch.nn.Module, arch: Mapping[str, Any], patch: Sequence[int], t_train_max: float) -> dict:
    """The weights file's content for ``unet`` (its state_dict on the CPU)."""
    return {"format": FORMAT, "architecture": dict(arch), "patch": list(patch), "schedule": dict(SCHEDULE),
            "t_train_max": float(t_train_max),
            "state_dict": {k: v.detach().cpu().clone() for k, v in unet.state_dict().items()}}


class PatchPrior(Denoiser):
    """The eps-UNet as a denoiser of whole cubes (1, bands, H, W); patches overlap by ``patch - stride``."""

    def __init__(self, unet: torch.nn.Module, schedule: Any, patch: Sequence[int], t_train_max: float,
                 stride: Sequence[int] | None = None, batch: int = 16):
        super().__init__()
        self.unet, self.schedule, self.patch = unet, schedule, tuple(patch)
        self.stride = tuple(stride) if stride is not None else tuple(max(1, p // 2) for p in patch)
        self.t_train_max, self.batch = t_train_max, batch

    @property
    def sigma_train_max(self) -> float:
        return float(self.schedule.sigma(self.t_train_max))

    def forward(self, x: Tensor, sigma: float | Tensor) -> Tensor:
        sigma = float(sigma)
        t = float(self.schedule.sigma_to_t(sigma))
        scale = float(self.schedule.scale(t))
        cube = x[0]
        origins = grid(cube.shape, self.patch, self.stride)
        patches = split(cube, self.patch, origins)
        out = torch.empty_like(patches)
        for i in range(0, len(patches), self.batch):
            p = patches[i:i + self.batch]
            times = torch.full((len(p),), t, device=p.device, dtype=p.dtype)
            eps = self.unet(scale * p[:, None], timesteps=times)[:, 0]
            out[i:i + self.batch] = p - sigma * eps
        weight = window(self.patch, device=x.device, dtype=x.dtype)
        return blend(out, origins, cube.shape, weight)[None]


def load_prior(path: str | Path, device: torch.device | str = "cpu", batch: int = 16,
               overlap: float = 0.5) -> PatchPrior:
    """The prior in ``path`` (eval mode, no gradients); ``overlap`` is the fraction of a patch side shared by
    neighbours. A file that is not such a payload raises InputError naming it."""
    path = Path(path)
    state = load_weights(path)
    if not isinstance(state, Mapping) or state.get("format") != FORMAT:
        raise InputError(path, f"not hsi/diffusion3d weights (no format {FORMAT!r})")
    arch = state["architecture"]
    if not isinstance(arch, Mapping) or set(ARCHITECTURE_KEYS) - set(arch):
        raise InputError(path, "the architecture entry is incomplete")
    try:
        unet = build_unet(arch)
        unet.load_state_dict(state["state_dict"])
    except (RuntimeError, KeyError, TypeError, ValueError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise InputError(path, f"the weights do not fit the stored architecture ({first})") from None
    patch = [int(p) for p in state["patch"]]
    stride = [max(1, round(p * (1 - overlap))) for p in patch]
    unet = unet.to(device).eval().requires_grad_(False)
    return PatchPrior(unet, make_schedule(state["schedule"]), patch, float(state["t_train_max"]), stride, batch)
