"""Training the prior of ``image/ddim`` (options and record: ``ddim_record.py``).

A blind bias-free CNN denoiser (Mohan et al., ICLR 2020), the prior network of Kadkhodaie et al.
(ICLR 2024), fitted by MSE to clean patches under white Gaussian noise of a per-patch
sigma ~ U[0, sigma_max]: the denoising score matching objective over all noise levels at once.

The shipped weights were made with this recipe (``benchmarks/train_image_prior.py``); a user trains
on a folder of clean images in any format the pipeline reads (PNG, TIFF, NumPy, NIfTI) with
``denoisekit train image/ddim --data DIR --output OUT``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from denoisekit.fit_result import FitResult
from denoisekit.pipeline import RunContext
from denoisekit.sample import Sample
from denoisekit.training_data import TrainingData


def train_prior(dataset: Any, config: Mapping[str, Any], ctx: RunContext,
                checkpoints: Path | None = None) -> tuple[torch.nn.Module, Any]:
    """Train a :class:`BiasFreeCNN` on ``dataset`` (items ``{"x": (C, H, W) in [0, 1]}``).

    Returns the model and the :class:`~denoisekit.training.Trainer` (its ``ema.module`` holds the
    weights to save). With ``checkpoints``, resumes from and writes ``step-*.pt`` there.
    """
    from denoisekit.data import DeviceLoader
    from denoisekit.denoisers import BiasFreeCNN
    from denoisekit.training import Trainer

    sigma_max, steps, lr = config["sigma_max"], config["iterations"], config["lr"]

    def add_noise(batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
        x = batch["x"]
        sigma = sigma_max * torch.rand((x.shape[0], 1, 1, 1), generator=generator, device=x.device)
        return {"x": x, "y": x + sigma * torch.randn(x.shape, generator=generator, device=x.device)}

    def loss_fn(model: torch.nn.Module, batch: dict[str, torch.Tensor], generator: torch.Generator) -> torch.Tensor:
        return F.mse_loss(model(batch["y"]), batch["x"])

    patch = (config["patch"], config["patch"])
    loader = DeviceLoader(dataset, ctx.device, config["batch"], degrade=add_noise, generator=ctx.seed, patch=patch,
                          flips=(0, 1), drop_last=True)
    torch.manual_seed(ctx.seed)  # the initial weights
    channels = int(dataset[0]["x"].shape[0])
    model = BiasFreeCNN(channels, width=config["width"], depth=config["depth"])
    trainer = Trainer(model, loss_fn, lambda p: torch.optim.Adam(p, lr=lr),
                      scheduler=lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, steps, lr / 100),
                      device=ctx.device, seed=ctx.seed, ema_decay=config["ema"], log_every=25,
                      progress=ctx.show_progress, checkpoint_dir=checkpoints,
                      checkpoint_every=config["checkpoint_every"] if checkpoints else None)
    if checkpoints is not None:
        trainer.resume(checkpoints, missing_ok=True)
    trainer.fit(loader, steps)
    return model, trainer


def unit_slices(sample: Sample) -> np.ndarray:
    """The sample's 2-D slices (N, C, H, W) as float32 on [0, 1]: integers divided by their range (the
    sample's ``data_range``, else the dtype's maximum) and clipped; floats mapped by their minimum and
    ``data_range`` (else their maximum - minimum)."""
    from denoisekit.layouts import as_stack

    slices = as_stack(sample, "image/ddim training").array
    x = sample.array
    if x.dtype.kind in "iu":
        scale = sample.data_range or float(np.iinfo(x.dtype).max)
        return (slices / np.float32(scale)).clip(0.0, 1.0)
    low = float(x.min())
    scale = float(sample.data_range or float(x.max()) - low) or 1.0
    return (slices - np.float32(low)) / np.float32(scale)


def fit(data: TrainingData, checkpoints: Path, config: Mapping[str, Any], ctx: RunContext) -> FitResult:
    """``denoisekit train image/ddim``: train on the clean images in ``data`` (``clean/*`` or the folder's own
    files), in any format the pipeline reads; every 2-D slice of a volume or stack is one training image."""
    from denoisekit.data import ArrayDataset
    from denoisekit.errors import InputError

    clean = data.folder / "clean"
    paths = data.files(clean if clean.is_dir() else data.folder)
    if not paths:
        raise InputError(data.folder, f"no image found ({', '.join(data.suffixes)}; in clean/ or the folder itself)")
    items, sources = [], []
    for path in paths:
        for image in unit_slices(data.read(path)):
            items.append({"x": image})
            sources.append(path)
    small = [sources[i] for i, item in enumerate(items) if min(item["x"].shape[1:]) < config["patch"]]
    if small:
        raise InputError(small[0], f"image smaller than the training patch ({config['patch']} pixels; --set patch=...)")
    if len({item["x"].shape[0] for item in items}) > 1:
        raise InputError(data.folder, "images with different numbers of channels (train on grayscale or colour, "
                                      "not both)")
    _, trainer = train_prior(ArrayDataset(items), config, ctx, checkpoints)
    state = {k: v.detach().to(torch.float32).cpu().clone() for k, v in trainer.ema.module.state_dict().items()}
    return FitResult({"state_dict": state}, notes={
        "images": len(items), "final_loss": trainer.history[-1][1] if trainer.history else None})
