"""``denoisekit train mri/disgan --data DIR``: the generator trained for super-resolution only, on clean
high-resolution NIfTI volumes degraded by k-space truncation, with the L1 content loss plus a small adversarial
term from the wavelet-domain U-Net discriminator (Wang et al., arXiv 2308.12084, Sec. 3; ``adversarial=0``
trains the same generator with L1 only, the benchmark's ablation).

Each volume is degraded once, whole (a patch's own k-space would wrap its edges): its magnitude k-space
truncation, zero-pad interpolated back to the high-resolution grid, is the generator's input; the core's
DeviceLoader then cuts the same random patch (and flips) from input and target per batch. Intensities are
divided by the input's 99.5th percentile, as the pipeline does.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from denoisekit.api import (
    ArrayDataset,
    DeviceLoader,
    FitResult,
    InputError,
    RunContext,
    Trainer,
    TrainingData,
    UserError,
)
from denoisekit_mri.disgan_networks import Generator, WaveletDiscriminator
from denoisekit_mri.volume_kspace import factors_for, sinc_upsample, truncate

DISC_LEVELS = 2


def check_training(config: Mapping[str, Any]) -> None:
    """A UserError for a patch that the discriminator's DWTs cannot halve ``DISC_LEVELS`` times."""
    multiple = 2 ** DISC_LEVELS
    if int(config["patch"]) % multiple:
        raise UserError(f"patch {config['patch']} must be a multiple of {multiple} (the discriminator halves it "
                        f"{DISC_LEVELS} times)")


def intensity_scale(volume: np.ndarray | torch.Tensor) -> float:
    """The 99.5th percentile of the volume's voxels (1 for an all-zero volume): inputs are divided by it."""
    value = float(np.percentile(np.asarray(volume, dtype=np.float64), 99.5))
    return value if value > 0 else 1.0


def training_pair(volume: np.ndarray, factors: tuple[int, int, int]) -> dict[str, np.ndarray]:
    """``{"x": interpolated truncation, "y": target}``, (1, D, H, W) float32, cropped to multiples of the factors."""
    d, h, w = (n - n % f for n, f in zip(volume.shape, factors, strict=True))
    hr = torch.from_numpy(np.ascontiguousarray(volume[:d, :h, :w], dtype=np.float32))
    low = truncate(hr, factors)
    scale = intensity_scale(low)
    x = sinc_upsample(low, factors) / scale
    return {"x": x[None].numpy(), "y": (hr / scale)[None].numpy()}


def read_volumes(data: TrainingData, patch: int) -> list[np.ndarray]:
    """The folder's NIfTI volumes (magnitude), each at least ``patch`` voxels on every axis."""
    volumes = []
    for path in data.files():
        sample = data.read(path)
        array = np.abs(np.asarray(sample.array))
        if sample.meta.get("ndim") == 2 or min(array.shape) < patch:
            raise InputError(path, f"a volume of shape {array.shape}: training needs 3-D volumes of at least "
                                   f"{patch} voxels per axis (or a smaller --set patch=)")
        volumes.append(array)
    if not volumes:
        raise InputError(data.folder, f"no training volume ({', '.join(data.suffixes)}) in this folder")
    return volumes


class AdversarialLoss(nn.Module):
    """The generator's loss L1 + ``weight`` * non-saturating GAN loss of the discriminator on its output, with the
    discriminator's own step (real patches vs the detached output, per-voxel and per-patch BCE) taken first.
    The discriminator's weights and optimiser state are this module's state, checkpointed by the Trainer."""

    def __init__(self, weight: float, features: int, lr: float):
        super().__init__()
        self.weight = weight
        self.disc = WaveletDiscriminator(features, DISC_LEVELS)
        self.lr = lr
        self._opt: torch.optim.Optimizer | None = None
        self._opt_state: dict[str, Any] | None = None

    @property
    def opt(self) -> torch.optim.Optimizer:
        if self._opt is None:
            self._opt = torch.optim.Adam(self.disc.parameters(), lr=self.lr, betas=(0.9, 0.99))
            if self._opt_state is not None:
                self._opt.load_state_dict(self._opt_state)
        return self._opt

    @staticmethod
    def _bce(logits: tuple[torch.Tensor, torch.Tensor], real: bool) -> torch.Tensor:
        return sum(F.binary_cross_entropy_with_logits(t, torch.full_like(t, float(real))) for t in logits) / 2

    def forward(self, model: nn.Module, batch: Mapping[str, torch.Tensor], generator: torch.Generator) -> torch.Tensor:
        output = model(batch["x"])
        content = F.l1_loss(output, batch["y"])
        if self.weight <= 0:
            return content
        self.opt.zero_grad(set_to_none=True)
        d_loss = self._bce(self.disc(batch["y"]), True) + self._bce(self.disc(output.detach()), False)
        d_loss.backward()
        self.opt.step()
        self.disc.requires_grad_(False)
        adversarial = self._bce(self.disc(output), True)
        self.disc.requires_grad_(True)
        return content + self.weight * adversarial

    def state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        if self.weight <= 0:
            return {}
        return {"disc": self.disc.state_dict(), "opt": self.opt.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> Any:  # type: ignore[override]
        if state:
            self.disc.load_state_dict(state["disc"])
            self._opt, self._opt_state = None, dict(state["opt"])
        return None


def train(volumes: list[np.ndarray], config: Mapping[str, Any], device: torch.device | str, seed: int,
          checkpoints: Path | None = None, progress: bool = False) -> tuple[Generator, list[tuple[int, float]]]:
    """Train the generator on ``volumes`` (D, H, W) for ``config["iterations"]`` steps; returns it and the loss
    history (content + weighted adversarial)."""
    factors = factors_for(int(config["scale"]), str(config["axes"]))
    patch = int(config["patch"])
    pairs = [training_pair(v, factors) for v in volumes]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = Generator(config["features"], config["growth"], config["blocks"])
        loss = AdversarialLoss(float(config["adversarial"]), config["disc_features"], config["lr"])
    loader = DeviceLoader(ArrayDataset(pairs), device=device, batch_size=config["batch"], generator=seed,
                          patch=(patch,) * 3, flips=(0, 1, 2), policy="crop", spatial_dims=3)
    trainer = Trainer(net, loss, lambda params: torch.optim.Adam(params, lr=config["lr"], betas=(0.9, 0.99)),
                      device=device, seed=seed, checkpoint_dir=checkpoints, checkpoint_every=config["checkpoint_every"],
                      progress=progress, log_every=5)
    if checkpoints is not None:
        trainer.resume(checkpoints, missing_ok=True)
    trainer.fit(loader, config["iterations"])
    return net.cpu(), trainer.history


def fit(data: TrainingData, checkpoints: Path, config: Mapping[str, Any], ctx: RunContext) -> FitResult:
    """The TrainingRecord's fit: read the folder, train, return the payload that ``--set weights=`` loads."""
    with ctx.stage("read"):
        volumes = read_volumes(data, int(config["patch"]))
    with ctx.stage("train"):
        net, history = train(volumes, config, ctx.device, ctx.seed, Path(checkpoints), ctx.show_progress)
    degradation = {"scale": int(config["scale"]), "axes": str(config["axes"])}
    notes = {"volumes": len(volumes), "architecture": net.arch, **degradation,
             "adversarial": float(config["adversarial"]),
             "final_loss": round(history[-1][1], 5) if history else None}
    return FitResult(net.payload(degradation=degradation, adversarial=float(config["adversarial"])), notes=notes)
