"""``denoisekit train mri/cddpm-dc --data DIR``: the conditional noise predictor trained on a folder of fully
sampled fastMRI files (Alsubaie et al., arXiv 2510.06335: pairs made on the fly, a random acceleration and mask
type per element).

Each slice becomes its coil images F^H k_c, its ESPIRiT maps S (from the calibration region, never a
simulator's) and the target x = sum_c conj(S_c) F^H k_c. The core's DeviceLoader crops them (``patch``) and,
on the device, :class:`Undersample` draws a line mask per element (equispaced or random, R ~ U(low, high),
centre fraction 0.32 / R as fastMRI's 4x / 8 % and 8x / 4 % pairs), or the one fixed mask of ``mask="fixed"``
(the usual single-mask training, the benchmark's baseline). :class:`EpsLoss` normalises by the zero-filled
image's robust scale and scores the eps-prediction (Ho et al. 2020, eq. 14) on the discrete linear-beta VP
schedule; the Trainer keeps an EMA of the weights, which is what is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from denoisekit.api import (
    ArrayDataset,
    DeviceLoader,
    DiscreteVP,
    FitResult,
    InputError,
    RunContext,
    Trainer,
    TrainingData,
    UserError,
)
from denoisekit_mri.acquisition import read_acquisition
from denoisekit_mri.cddpm_network import ConditionalEpsNet, robust_scale
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.espirit import estimate_maps
from denoisekit_mri.fft import fft2c, ifft2c

NAME = "mri/cddpm-dc"
MASKS = ("mixed", "equispaced", "random", "fixed")


def check_training(config: Mapping[str, Any]) -> None:
    """A UserError for an acceleration range whose low end is above its high end or an unknown mask kind."""
    if config["acceleration_low"] > config["acceleration_high"]:
        raise UserError(f"acceleration_low ({config['acceleration_low']}) is above acceleration_high "
                        f"({config['acceleration_high']})")
    if config["mask"] not in MASKS:
        raise UserError(f"mask {config['mask']!r}: expected one of {', '.join(MASKS)}")


def read_training_items(data: TrainingData) -> list[dict[str, np.ndarray]]:
    """Every slice of every fully sampled k-space file of the folder: ``{"x" (1, H, W) target, "coils"
    (C, H, W) coil images, "maps" (C, H, W)}``; an InputError naming a file that is undersampled."""
    paths = data.files()
    if not paths:
        raise InputError(data.folder, f"no k-space file ({', '.join(data.suffixes)}) in this folder")
    items = []
    for path in paths:
        acq = read_acquisition(data.read(path), NAME)
        n, _, h, w = acq.kspace.shape
        if acq.mask_source == "file" or not bool((acq.mask.expand(n, 1, h, w) > 0).all()):
            raise InputError(path, f"{NAME} trains on fully sampled k-space: this file is undersampled "
                                   "(it holds a 'mask' or unsampled columns)")
        maps = estimate_maps(acq.kspace, acq.mask)
        coils = ifft2c(acq.kspace)
        target = torch.sum(torch.conj(maps) * coils, dim=1, keepdim=True)
        items += [{"x": target[i].numpy(), "coils": coils[i].numpy(), "maps": maps[i].numpy()} for i in range(n)]
    return items


def columns(width: int, acceleration: float, kind: str, generator: torch.Generator | None,
            device: torch.device | str) -> torch.Tensor:
    """(W,) 0/1 phase-encoding columns: the centre round(0.32 W / R) columns plus, outside them, random lines
    (each with the probability that gives W / R in all) or equispaced lines (fastMRI's equispaced-fraction
    spacing, a random offset; offset 0 without a generator)."""
    centre = max(1, round(width * 0.32 / acceleration))
    start = (width - centre + 1) // 2
    if kind == "random":
        p = max(0.0, (width / acceleration - centre) / (width - centre))
        out = (torch.rand(width, generator=generator, device=device) < p).float()
    else:
        spacing = acceleration * (centre - width) / (centre * acceleration - width)
        offset = 0 if generator is None else int(torch.randint(max(1, round(spacing)), (1,), generator=generator,
                                                               device=device))
        out = torch.zeros(width, device=device)
        out[torch.round(torch.arange(offset, width - 1, spacing, device=device)).long()] = 1
    out[start:start + centre] = 1
    return out


class Undersample:
    """The loader's ``degrade``: the k-space of the (cropped) coil images, undersampled by a fresh line mask
    per element, and the zero-filled SENSE combination A^H y."""

    def __init__(self, low: float, high: float, mask: str):
        self.low, self.high, self.mask = low, high, mask

    def masks(self, batch: int, height: int, width: int, generator: torch.Generator,
              device: torch.device) -> torch.Tensor:
        """(batch, 1, H, W) masks: per element R ~ U(low, high) and the kind (a coin flip for "mixed"); for
        "fixed" the one equispaced mask at R = low with offset 0."""
        if self.mask == "fixed":
            return columns(width, self.low, "equispaced", None, device).expand(batch, 1, height, width)
        out = torch.empty((batch, 1, height, width), device=device)
        for b in range(batch):
            draws = torch.rand(2, generator=generator, device=device)
            r = self.low + (self.high - self.low) * float(draws[0])
            kind = self.mask if self.mask != "mixed" else ("random" if float(draws[1]) < 0.5 else "equispaced")
            out[b, 0] = columns(width, r, kind, generator, device)[None, :].expand(height, width)
        return out

    def __call__(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
        coils, maps = batch["coils"], batch["maps"]
        b, _, h, w = coils.shape
        mask = self.masks(b, h, w, generator, coils.device)
        y = mask * fft2c(coils)
        zero_filled = MultiCoilCartesian(maps, mask).A_adjoint(y)
        return {"x": batch["x"][:, 0], "zero_filled": zero_filled}


class EpsLoss:
    """``loss(net, batch, generator)``: ||eps - net(x_t, zero-filled, t)||^2 with t ~ U{0..T-1},
    x_t = sqrt(a_t) x / s + sqrt(1 - a_t) eps, s the robust scale of the zero-filled image."""

    def __init__(self, schedule: DiscreteVP, train_steps: int):
        self.schedule, self.train_steps = schedule, train_steps

    def __call__(self, net: torch.nn.Module, batch: dict[str, torch.Tensor],
                 generator: torch.Generator) -> torch.Tensor:
        scale = robust_scale(batch["zero_filled"])
        x0, condition = batch["x"] / scale, batch["zero_filled"] / scale
        b = x0.shape[0]
        t = torch.randint(self.train_steps, (b,), generator=generator, device=x0.device)
        a = self.schedule.scale(t.double()).float().to(x0.device).view(-1, 1, 1) ** 2
        noise = torch.randn((2, *x0.shape), generator=generator, device=x0.device)
        eps = torch.complex(noise[0], noise[1])
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps
        return torch.mean(torch.abs(net(x_t, condition, t) - eps) ** 2) / 2


def train(items: list[dict[str, np.ndarray]], config: Mapping[str, Any], device: torch.device | str, seed: int,
          checkpoints: Path | None = None, progress: bool = False) -> tuple[ConditionalEpsNet, list[tuple[int, float]]]:
    """Train on ``items`` until ``config["iterations"]`` optimiser steps; returns the EMA network and the loss
    history."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = ConditionalEpsNet(tuple(int(c) for c in str(config["channels"]).split(",")), config["res_blocks"],
                                bool(config["attention"]), config["train_steps"])
    loss = EpsLoss(DiscreteVP(config["train_steps"]), config["train_steps"])
    patch = int(config["patch"])
    sizes = {tuple(item["x"].shape[-2:]) for item in items}
    if patch and any(min(s) < patch for s in sizes):
        raise InputError("training data", f"patch {patch} is larger than a slice ({min(min(s) for s in sizes)} "
                                          "pixels): lower --set patch")
    loader = DeviceLoader(ArrayDataset(items), device=device, batch_size=config["batch"], generator=seed,
                          patch=(patch, patch) if patch else None, policy="crop" if patch else "bucket",
                          spatial_dims=2, degrade=Undersample(config["acceleration_low"], config["acceleration_high"],
                                                              config["mask"]))
    trainer = Trainer(net, loss, lambda params: torch.optim.Adam(params, lr=config["lr"]), device=device, seed=seed,
                      ema_decay=config["ema"], grad_clip=1.0, checkpoint_dir=checkpoints,
                      checkpoint_every=config["checkpoint_every"], progress=progress, log_every=10)
    if checkpoints is not None:
        trainer.resume(checkpoints, missing_ok=True)
    trainer.fit(loader, config["iterations"])
    return trainer.ema.module, trainer.history


def fit(data: TrainingData, checkpoints: Path, config: Mapping[str, Any], ctx: RunContext) -> FitResult:
    """The TrainingRecord's fit: read the folder, train, return the EMA weights that ``--set weights=`` loads."""
    with ctx.stage("read"):
        items = read_training_items(data)
    with ctx.stage("train"):
        net, history = train(items, config, ctx.device, ctx.seed, Path(checkpoints), ctx.show_progress)
    notes = {"slices": len(items), "architecture": net.arch, "mask": config["mask"],
             "accelerations": [config["acceleration_low"], config["acceleration_high"]],
             "final_loss": round(history[-1][1], 5) if history else None}
    return FitResult({**net.payload(), "training": {"mask": config["mask"],
                                                    "acceleration_low": float(config["acceleration_low"]),
                                                    "acceleration_high": float(config["acceleration_high"])}},
                     notes=notes)
