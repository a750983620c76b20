"""``denoisekit train mri/diffusion-posterior --data DIR``: the unconditional complex-image prior
(:mod:`denoisekit_mri.posterior_net`) trained with EDM's denoising loss on a folder of fully sampled images:

- fastMRI HDF5 (or ISMRMRD) k-space, every column sampled: each slice is coil-combined with ESPIRiT maps from
  its own calibration region, ``x = sum_c conj(S_c) F^H y_c`` (the image the pipeline's operator models);
  single-coil k-space is inverse Fourier transformed;
- NIfTI images, complex (magnitude and phase kept) or magnitude.

Each slice is scaled to a maximum magnitude of 1 (the pipeline scales its data the same way). Batches are
random square crops with random flips, transposition and a random global phase exp(i theta) (the prior must
not prefer one phase), drawn on the device from the Trainer's generator; checkpoints resume.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from denoisekit.api import FitResult, InputError, RunContext, Trainer, TrainingData, random_crops
from denoisekit_mri.acquisition import read_acquisition
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.espirit import estimate_maps
from denoisekit_mri.fft import ifft2c
from denoisekit_mri.posterior_net import ComplexPrior, edm_loss

NAME = "mri/diffusion-posterior"


def _normalised(images: np.ndarray, path: Path) -> list[np.ndarray]:
    """The non-empty slices of (N, H, W), each scaled to a maximum magnitude of 1, complex64."""
    out = []
    for image in images:
        peak = float(np.abs(image).max())
        if peak > 0:
            out.append((image / peak).astype(np.complex64))
    if not out:
        raise InputError(path, "every slice is zero: nothing to train on")
    return out


def read_training_images(data: TrainingData, crop: int) -> list[np.ndarray]:
    """Every slice of every file in ``data``'s folder as a complex image (H, W) of maximum magnitude 1."""
    paths = data.files()
    if not paths:
        raise InputError(data.folder, f"no training file ({', '.join(data.suffixes)}) in this folder")
    images: list[np.ndarray] = []
    for path in paths:
        sample = data.read(path)
        if sample.meta.get("content") == "kspace":
            acq = read_acquisition(sample, NAME)
            n, _, h, w = acq.kspace.shape
            if acq.mask_source == "file" or not bool((acq.mask > 0).all()):
                raise InputError(path, f"{NAME} trains on fully sampled k-space: this file is undersampled")
            if acq.single_coil:
                slices = ifft2c(acq.kspace[:, 0]).numpy()
            else:
                maps = estimate_maps(acq.kspace, acq.mask)
                slices = MultiCoilCartesian(maps, torch.ones(h, w)).A_adjoint(acq.kspace).numpy()
        else:
            slices = np.asarray(sample.array)
            if slices.ndim != 3:
                raise InputError(path, f"expected slices (N, H, W), got shape {slices.shape}")
        if min(slices.shape[-2:]) < crop:
            raise InputError(path, f"slices of {slices.shape[-2]} x {slices.shape[-1]} are smaller than the "
                                   f"{crop} x {crop} training crops (--set crop=...)")
        images += _normalised(slices, path)
    return images


class CropBatches:
    """One epoch of ``per_epoch`` batches of random crops of ``sources`` (complex (H, W) tensors on the device),
    with random flips, transposition and global phase, from a generator seeded per epoch (so a resumed epoch
    repeats its batches)."""

    def __init__(self, sources: list[torch.Tensor], crop: int, batch: int, per_epoch: int, seed: int, epoch: int):
        self.sources, self.crop, self.batch, self.per_epoch = sources, crop, batch, per_epoch
        device = sources[0].device
        self.generator = torch.Generator(device).manual_seed(seed * 100_003 + epoch)

    def __iter__(self) -> Iterator[torch.Tensor]:
        g = self.generator
        for _ in range(self.per_epoch):
            x = random_crops(self.sources, (self.crop, self.crop), self.batch, g, flips=(0, 1))
            if bool(torch.rand((), generator=g, device=g.device) < 0.5):
                x = x.transpose(-2, -1)
            theta = 2 * math.pi * torch.rand(self.batch, generator=g, device=g.device)
            yield x * torch.polar(torch.ones_like(theta), theta)[:, None, None]


def train(images: list[np.ndarray], config: Mapping[str, Any], device: torch.device | str, seed: int,
          checkpoints: Path | None = None, progress: bool = False) -> tuple[ComplexPrior, list[tuple[int, float]]]:
    """Train the prior on ``images`` for ``config["iterations"]`` steps; returns the EMA weights' prior and the
    loss history."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        prior = ComplexPrior(config["width"])
    sources = [torch.from_numpy(x).to(device) for x in images]
    steps = int(config["iterations"])
    trainer = Trainer(prior, lambda model, x, generator: edm_loss(model, x, generator),
                      lambda params: torch.optim.Adam(params, lr=config["lr"]),
                      scheduler=lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(steps, 1),
                                                                                        config["lr"] / 100),
                      device=device, seed=seed, ema_decay=config["ema"], grad_clip=1.0,
                      checkpoint_dir=checkpoints, checkpoint_every=config["checkpoint_every"], progress=progress,
                      log_every=10)
    if checkpoints is not None:
        trainer.resume(checkpoints, missing_ok=True)
    trainer.fit(lambda epoch: CropBatches(sources, config["crop"], config["batch"], 100, seed, epoch), steps)
    trained = trainer.ema.module if trainer.ema is not None else trainer.model
    return trained, trainer.history


def fit(data: TrainingData, checkpoints: Path, config: Mapping[str, Any], ctx: RunContext) -> FitResult:
    """The TrainingRecord's fit: read the folder, train, return the weights payload that ``--set weights=`` loads."""
    with ctx.stage("read"):
        images = read_training_images(data, config["crop"])
    with ctx.stage("train"):
        prior, history = train(images, config, ctx.device, ctx.seed, Path(checkpoints), ctx.show_progress)
    first = float(np.mean([v for _, v in history[:5]])) if history else None
    last = float(np.mean([v for _, v in history[-5:]])) if history else None
    notes = {"slices": len(images), "architecture": prior.arch,
             "first_loss": None if first is None else round(first, 5),
             "final_loss": None if last is None else round(last, 5)}
    return FitResult(prior.payload(), notes=notes)
