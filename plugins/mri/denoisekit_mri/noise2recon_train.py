"""``denoisekit train mri/noise2recon --data DIR``: the unrolled network trained with the Noise2Recon objective
(:mod:`denoisekit_mri.noise2recon_loss`) on a folder of fastMRI files (:mod:`denoisekit_mri.noise2recon_data`):
labelled and unlabelled batches alternate 1:1 (labelled only when the folder has no unlabelled scan, or with
``weight=0``: the supervised baseline). Masks and noise are drawn on the device, per batch, by the core's
DeviceLoader and the Trainer's generator; checkpoints resume.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import torch

from denoisekit.api import (
    ArrayDataset,
    DeviceLoader,
    FitResult,
    RunContext,
    Trainer,
    TrainingData,
    UserError,
)
from denoisekit_mri.noise2recon_data import TrainingSlices, Undersample, parse_accelerations, read_training_slices
from denoisekit_mri.noise2recon_loss import Noise2ReconLoss
from denoisekit_mri.unrolled import Unrolled


def check_training(config: Mapping[str, Any]) -> None:
    """A UserError for an unreadable acceleration list or a noise range whose low end is above its high end."""
    try:
        parse_accelerations(str(config["accelerations"]))
    except ValueError as e:
        raise UserError(str(e)) from None
    if config["sigma_low"] > config["sigma_high"]:
        raise UserError(f"sigma_low ({config['sigma_low']}) is above sigma_high ({config['sigma_high']})")


def alternate(labelled: DeviceLoader, unlabelled: DeviceLoader | None) -> Iterator[dict[str, torch.Tensor]]:
    """One epoch: a labelled batch, an unlabelled batch, and so on (the paper's 1:1 alternating sampler);
    the shorter loader starts over until the labelled one is done."""
    if unlabelled is None:
        yield from labelled
        return
    other = iter(unlabelled)
    for batch in labelled:
        yield batch
        try:
            yield next(other)
        except StopIteration:
            other = iter(unlabelled)
            yield next(other)


def train(slices: TrainingSlices, config: Mapping[str, Any], device: torch.device | str, seed: int,
          checkpoints: Path | None = None, progress: bool = False) -> tuple[Unrolled, list[tuple[int, float]]]:
    """Train the network on ``slices`` until ``config["iterations"]`` optimiser steps; returns it and the loss
    history. ``weight`` = 0 ignores the unlabelled scans (supervised training)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = Unrolled(config["unrolls"], config["features"], config["blocks"], config["cg_iterations"])
    loss = Noise2ReconLoss(config["weight"], (config["sigma_low"], config["sigma_high"]))
    common = {"device": device, "batch_size": config["batch"], "generator": seed, "policy": "bucket",
              "spatial_dims": 2}
    labelled = DeviceLoader(ArrayDataset(slices.labelled), degrade=Undersample(
        parse_accelerations(str(config["accelerations"]))), **common)
    unlabelled = None
    if slices.unlabelled and config["weight"] > 0:
        unlabelled = DeviceLoader(ArrayDataset(slices.unlabelled), **{**common, "generator": seed + 1})
    trainer = Trainer(net, loss, lambda params: torch.optim.Adam(params, lr=config["lr"]), device=device, seed=seed,
                      grad_clip=1.0, checkpoint_dir=checkpoints, checkpoint_every=config["checkpoint_every"],
                      progress=progress, log_every=5)
    if checkpoints is not None:
        trainer.resume(checkpoints, missing_ok=True)
    trainer.fit(lambda epoch: alternate(labelled, unlabelled), config["iterations"])
    return net, trainer.history


def fit(data: TrainingData, checkpoints: Path, config: Mapping[str, Any], ctx: RunContext) -> FitResult:
    """The TrainingRecord's fit: read the folder, train, return the weights payload that ``--set weights=`` loads."""
    with ctx.stage("read"):
        slices = read_training_slices(data)
    with ctx.stage("train"):
        net, history = train(slices, config, ctx.device, ctx.seed, Path(checkpoints), ctx.show_progress)
    notes = {"labelled_slices": len(slices.labelled), "unlabelled_slices": len(slices.unlabelled),
             "consistency_term": bool(config["weight"] > 0 and slices.unlabelled),
             "architecture": net.arch, "mu": round(float(net.mu.detach()), 5),
             "final_loss": round(history[-1][1], 5) if history else None}
    return FitResult(net.payload(), notes=notes)
