"""Stack samples of different sizes into one batch, by a stated policy.

An item's *spatial shape* is the last ``spatial_dims`` axes of its ``x`` (else of its first
array); every array whose trailing axes equal it (images, masks, coil maps) is cropped or padded
with it, and the other arrays (per-sample scalars, 1-D masks) are stacked as they are. What is
left (the leading axes, such as channels, and the non-spatial arrays) must agree across items.

- ``"crop"`` (the default): each sample is cut at a random offset to the patch, or without a
  patch to the smallest size in the batch on every axis.
- ``"pad"``: each sample is cut to the patch where it is larger, then zero-padded at the end to
  the patch (without a patch: to the largest size in the batch), and the batch gains a boolean
  key ``"valid"`` of shape ``(B, 1, *spatial)``: True on real data.
- ``"bucket"``: the sampler only puts samples of one shape in a batch; they are cut to the patch
  if one is given, and stacked.

Random offsets and flips come from a CPU generator seeded per batch (reproducible).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from denoisekit.data.augment import random_view

POLICIES = ("crop", "pad", "bucket")
MASK_KEY = "valid"
Shapes = Mapping[str, Sequence[int]]


def reference_key(keys: Sequence[str]) -> str:
    """The array whose trailing axes define the spatial shape: ``x`` when present, else the first."""
    return "x" if "x" in keys else next(iter(keys))


def spatial_shape(shapes: Shapes, spatial_dims: int) -> tuple[int, ...]:
    """The last ``spatial_dims`` axes of the reference array's shape."""
    shape = tuple(shapes[reference_key(list(shapes))])
    if len(shape) < spatial_dims:
        raise ValueError(f"array of shape {shape} has fewer than {spatial_dims} spatial axes")
    return shape[len(shape) - spatial_dims:]


def is_spatial(shape: Sequence[int], spatial: Sequence[int]) -> bool:
    """Whether an array of ``shape`` ends with the ``spatial`` axes (and so is cropped, padded, flipped)."""
    n = len(spatial)
    return n > 0 and len(shape) >= n and tuple(shape[len(shape) - n:]) == tuple(spatial)


def signature(shapes: Shapes, spatial_dims: int) -> tuple:
    """What must agree across items: the keys, spatial arrays' leading axes, other arrays' shapes."""
    spatial = spatial_shape(shapes, spatial_dims)
    return tuple(sorted((k, "spatial", tuple(s[:len(s) - spatial_dims])) if is_spatial(s, spatial)
                        else (k, "whole", tuple(s)) for k, s in shapes.items()))


def target_shape(sizes: Sequence[tuple[int, ...]], policy: str, patch: Sequence[int] | None) -> tuple[int, ...]:
    """The batch's spatial shape: ``patch`` if given, else the largest size ("pad") or the smallest."""
    if patch is not None:
        return tuple(patch)
    pick = max if policy == "pad" else min
    return tuple(pick(s) for s in zip(*sizes, strict=True))


def collate(items: Sequence[Mapping[str, torch.Tensor]], spatial_dims: int, policy: str = "crop",
            patch: Sequence[int] | None = None, flips: Sequence[int] = (), seed: int = 0) -> dict[str, torch.Tensor]:
    """One batch (``B`` first) from same-signature items, cut to ``patch`` and flipped at random.

    A CPU generator seeded with ``seed`` draws each sample's window and flips (:mod:`.augment`).
    """
    sizes = [spatial_shape({k: t.shape for k, t in it.items()}, spatial_dims) for it in items]
    target = target_shape(sizes, policy, patch)
    g = torch.Generator().manual_seed(seed)
    views = [random_view(size, target, flips, g) for size in sizes]
    if policy != "pad" and any(v.sizes != target for v in views):
        raise ValueError(f"policy {policy!r} cannot make samples of shapes {sorted(set(sizes))} into {target}")
    parts: dict[str, list[torch.Tensor]] = {k: [] for k in items[0]}
    for item, size, view in zip(items, sizes, views, strict=True):
        for k, t in item.items():
            parts[k].append(view.apply(t) if is_spatial(t.shape, size) else t)
    if policy != "pad":
        return {k: torch.stack(v) for k, v in parts.items()}
    return _pad(parts, [v.sizes for v in views], target, spatial_dims)


def _pad(parts: Mapping[str, list[torch.Tensor]], sizes: list[tuple[int, ...]], target: tuple[int, ...],
         spatial_dims: int) -> dict[str, torch.Tensor]:
    """Zero-pad every sample's spatial arrays at the end to ``target``; add the mask of real data."""
    n = len(sizes)
    batch: dict[str, torch.Tensor] = {}
    for k, ts in parts.items():
        if all(is_spatial(t.shape, size) for t, size in zip(ts, sizes, strict=True)):
            if all(size == target for size in sizes):
                batch[k] = torch.stack(ts)
                continue
            out = ts[0].new_zeros((n, *ts[0].shape[:ts[0].ndim - spatial_dims], *target))
            for b, (t, size) in enumerate(zip(ts, sizes, strict=True)):
                out[(b, Ellipsis, *(slice(0, s) for s in size))] = t
            batch[k] = out
        else:
            batch[k] = torch.stack(ts)
    ref = batch[reference_key(list(batch))]
    mask = torch.zeros((n, 1, *target), dtype=torch.bool, device=ref.device)
    for b, size in enumerate(sizes):
        mask[(b, Ellipsis, *(slice(0, s) for s in size))] = True
    batch[MASK_KEY] = mask
    return batch
