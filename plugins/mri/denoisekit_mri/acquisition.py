"""From a fastMRI k-space ``Sample`` to what the reconstructions need: k-space (N, C, H, W), the sampling
mask (from the file, else detected from the non-zero samples) and the root-sum-of-squares combination."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from denoisekit.api import InputError, RunContext, Sample, for_each_slice
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.espirit import estimate_maps


@dataclass(frozen=True)
class Acquisition:
    """Undersampled k-space of N slices.

    kspace: (N, C, H, W) complex64, zero where not sampled (C = 1 for single-coil data).
    mask: (N, 1, 1, W) for line masks or (N, 1, H, W) for point masks, float32 0/1.
    single_coil: the file held single-coil k-space (slices, H, W).
    mask_source: "file" (the ``mask`` dataset), "columns" or "points" (detected from non-zero k-space).
    recon_size: the header's reconstruction matrix (H, W), if any: fastMRI reconstructions are cropped to it.
    """

    kspace: torch.Tensor
    mask: torch.Tensor
    single_coil: bool
    mask_source: str
    recon_size: tuple[int, int] | None

    def notes(self) -> dict[str, object]:
        """What a pipeline reports about its input in run.json."""
        n, c, h, w = self.kspace.shape
        sampled = float(self.mask.expand(n, 1, h, w).mean())
        notes: dict[str, object] = {"slices": n, "coils": c, "matrix": [h, w], "mask_source": self.mask_source,
                                    "acceleration": round(1 / sampled, 3) if sampled > 0 else None}
        if self.single_coil:
            notes["single_coil"] = "single-coil k-space: reconstructed with one coil map of ones (C = 1)"
        return notes

    def coil_maps(self) -> torch.Tensor:
        """(N, C, H, W) coil maps from the data: ESPIRiT (:func:`denoisekit_mri.espirit.estimate_maps`, its
        defaults) for multi-coil k-space, one map of ones for single-coil."""
        n, c, h, w = self.kspace.shape
        if c == 1:
            return torch.ones((n, 1, h, w), dtype=torch.complex64)
        return estimate_maps(self.kspace, self.mask)

    def slice(self, i: int) -> Acquisition:
        """Slice ``i`` alone (N = 1)."""
        mask = self.mask[i:i + 1] if self.mask.shape[0] > 1 else self.mask
        return Acquisition(self.kspace[i:i + 1], mask, self.single_coil, self.mask_source, self.recon_size)

    def to(self, device: torch.device | str) -> Acquisition:
        return Acquisition(self.kspace.to(device), self.mask.to(device), self.single_coil, self.mask_source,
                           self.recon_size)


def detect_mask(kspace: np.ndarray) -> tuple[np.ndarray, str]:
    """The sampled columns (any non-zero value in a column of any slice and coil), shape (1, 1, 1, W); when
    every column holds data but whole points are empty (a 2-D mask), the sampled points per slice, (N, 1, H, W)."""
    nonzero = np.abs(kspace) > 0  # (N, C, H, W)
    columns = nonzero.any(axis=(0, 1, 2))
    points = nonzero.any(axis=1, keepdims=True)
    if columns.all() and points.mean() < 0.99:
        return points.astype(np.float32), "points"
    return columns.astype(np.float32)[None, None, None, :], "columns"


def read_acquisition(sample: Sample, pipeline: str) -> Acquisition:
    """The k-space of a fastMRI sample, as (N, C, H, W); an InputError naming the file when it holds none."""
    if sample.meta.get("content") != "kspace" or not np.iscomplexobj(sample.array):
        raise InputError(sample.path or "input", f"{pipeline} needs k-space: the file holds no 'kspace' "
                                                 f"(it holds '{sample.meta.get('key', 'an image')}')")
    kspace = sample.array if sample.axes == "DKHW" else sample.array[:, None]
    mask = sample.meta.get("mask")
    if mask is not None:
        mask, source = np.asarray(mask, dtype=np.float32)[None, None, None, :], "file"
    else:
        mask, source = detect_mask(kspace)
    recon = sample.meta.get("recon")
    tensor = torch.from_numpy(np.ascontiguousarray(kspace, dtype=np.complex64))
    mask_t = torch.from_numpy(np.ascontiguousarray(mask))
    return Acquisition(tensor * mask_t, mask_t, sample.axes == "DHW", source, tuple(recon) if recon else None)


def rss(coil_images: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Root sum of squares over the coil axis (Roemer et al., MRM 16(2), 1990): sqrt(sum_c |x_c|^2)."""
    return torch.sqrt(torch.sum(coil_images.abs() ** 2, dim=dim))


SliceReconstruction = Callable[[torch.Tensor, MultiCoilCartesian, RunContext], torch.Tensor]


def reconstruct_slices(acq: Acquisition, ctx: RunContext, name: str, stage: str,
                       reconstruct: SliceReconstruction) -> np.ndarray:
    """The (N, H, W) magnitudes of ``reconstruct(y, op, slice_ctx)`` on each slice (y (1, C, H, W) on the slice's
    device, ``op`` its multi-coil operator with :meth:`Acquisition.coil_maps`), with progress over the slices."""
    n, _, h, w = acq.kspace.shape
    with ctx.stage("coil maps"):
        maps = acq.coil_maps()
    mask = acq.mask.expand(n, 1, h, w)

    def one(index: np.ndarray, slice_ctx: RunContext) -> np.ndarray:
        i, device = int(index), slice_ctx.device
        op = MultiCoilCartesian(maps[i].to(device), mask[i].to(device))
        with slice_ctx.stage(stage):
            return reconstruct(acq.kspace[i][None].to(device), op, slice_ctx)[0].abs().cpu().numpy()

    return np.asarray(for_each_slice(ctx, np.arange(n), one, f"{name}: slices"))
