"""Noise2Recon's training data: a folder of fastMRI HDF5 files read through the host, split into labelled
scans (fully sampled k-space: the supervised pairs, undersampled per batch on the device) and unlabelled scans
(files holding a ``mask``, or with unsampled columns: used as acquired, for the consistency term only).

Coil maps are ESPIRiT estimates from each slice's calibration region; a labelled slice's target is the coil
combination sum_c conj(S_c) F^H y_c of its fully sampled k-space (the image the network outputs).
The masks of labelled batches are drawn on the device per batch element: fastMRI random or equispaced lines
(chosen at random) at an acceleration drawn from ``accelerations``, centre fraction 0.32 / R (fastMRI's pairs
4x / 8 %, 8x / 4 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from denoisekit.api import InputError, TrainingData
from denoisekit_mri.acquisition import read_acquisition
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.espirit import estimate_maps


@dataclass
class TrainingSlices:
    """Items for :class:`denoisekit.api.ArrayDataset`: labelled ``{"kspace", "maps", "target" (1, H, W)}`` and
    unlabelled ``{"kspace", "maps", "mask" (1, H, W)}``, numpy arrays."""

    labelled: list[dict[str, np.ndarray]]
    unlabelled: list[dict[str, np.ndarray]]


def read_training_slices(data: TrainingData, name: str = "mri/noise2recon") -> TrainingSlices:
    """Every slice of every k-space file in ``data``'s folder, labelled when fully sampled."""
    paths = data.files()
    if not paths:
        raise InputError(data.folder, f"no k-space file ({', '.join(data.suffixes)}) in this folder")
    slices = TrainingSlices([], [])
    for path in paths:
        acq = read_acquisition(data.read(path), name)
        n, _, h, w = acq.kspace.shape
        mask = acq.mask.expand(n, 1, h, w)
        full = acq.mask_source != "file" and bool((mask > 0).all())
        maps = estimate_maps(acq.kspace, acq.mask)
        for i in range(n):
            item = {"kspace": acq.kspace[i].numpy(), "maps": maps[i].numpy()}
            if full:
                op = MultiCoilCartesian(maps[i], torch.ones(h, w))
                item["target"] = op.A_adjoint(acq.kspace[i][None]).numpy()
                slices.labelled.append(item)
            else:
                item["mask"] = mask[i].numpy()
                slices.unlabelled.append(item)
    if not slices.labelled:
        raise InputError(data.folder, "no fully sampled k-space file: Noise2Recon needs labelled scans for its "
                                      "supervised term (files without a 'mask' and with every column sampled)")
    return slices


def line_masks(batch: int, height: int, width: int, accelerations: Sequence[float],
               generator: torch.Generator, device: torch.device | str) -> torch.Tensor:
    """(batch, 1, H, W) 0/1 masks of phase-encoding columns: per element an acceleration R from
    ``accelerations``, the centre round(0.32 W / R) columns, and the others equispaced or random (a coin flip)
    so that about W / R columns are sampled."""
    choices = torch.tensor(list(accelerations), dtype=torch.float32, device=device)
    masks = torch.zeros((batch, 1, height, width), device=device)
    for b in range(batch):
        r = float(choices[torch.randint(len(choices), (1,), generator=generator, device=device)])
        centre = max(1, round(width * 0.32 / r))
        start = (width - centre + 1) // 2
        columns = torch.zeros(width, device=device)
        if bool(torch.rand(1, generator=generator, device=device) < 0.5):
            p = max(0.0, (width / r - centre) / (width - centre))
            columns = (torch.rand(width, generator=generator, device=device) < p).float()
        else:
            spacing = r * (centre - width) / (centre * r - width)
            offset = int(torch.randint(max(1, round(spacing)), (1,), generator=generator, device=device))
            index = torch.round(torch.arange(offset, width - 1, spacing, device=device)).long()
            columns[index] = 1
        columns[start:start + centre] = 1
        masks[b, 0] = columns[None, :].expand(height, width)
    return masks


class Undersample:
    """The labelled loader's ``degrade``: a fresh line mask per element, applied to the fully sampled k-space."""

    def __init__(self, accelerations: Sequence[float]):
        self.accelerations = tuple(accelerations)

    def __call__(self, batch: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
        kspace = batch["kspace"]
        b, _, h, w = kspace.shape
        mask = line_masks(b, h, w, self.accelerations, generator, kspace.device)
        return {"kspace": kspace * mask, "maps": batch["maps"], "mask": mask, "target": batch["target"][:, 0]}


def parse_accelerations(text: str) -> tuple[float, ...]:
    """"4,8" -> (4.0, 8.0); a ValueError for anything that is not a list of numbers >= 1."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if not values or any(not v >= 1 for v in values):
        raise ValueError(f"accelerations: comma-separated numbers >= 1, got {text!r}")
    return values
