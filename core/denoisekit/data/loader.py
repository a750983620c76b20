"""DeviceLoader: decode once, move to the device once, then crop, flip and degrade there, per batch.

Batch ``k`` of epoch ``e`` on rank ``r`` draws its windows and flips from a CPU generator seeded
with ``mix_seed(seed, e, r, k, 1)`` and its degradation from the loader's device generator, reseeded
with ``mix_seed(seed, e, r, k)``. A batch depends on nothing but these numbers: the same seed gives
the same batches, and a run resumed mid-epoch gives the batches an uninterrupted run would have.
Batches are cut and stacked in a background thread one batch ahead (:mod:`.prefetch`). The same
code runs with ``device="cpu"`` without initialising CUDA.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import torch

from denoisekit.data.batching import MASK_KEY, POLICIES, collate, signature, spatial_shape
from denoisekit.data.cache import DiskCache, MemoryCache, Progress, source_of
from denoisekit.data.prefetch import background
from denoisekit.data.sampler import ShardSampler, mix_seed

Batch = dict[str, torch.Tensor]
Degrade = Callable[[Batch, torch.Generator], Batch]


class _Batches(torch.utils.data.Dataset):
    """Batch ``(seed, indices)`` collated from the cache: cut, flipped and stacked where the cache lives."""

    def __init__(self, cache: MemoryCache | DiskCache, spatial_dims: int, policy: str,
                 patch: tuple[int, ...] | None, flips: tuple[int, ...]):
        self.cache, self.spatial_dims, self.policy, self.patch, self.flips = cache, spatial_dims, policy, patch, flips

    def __getitem__(self, job: tuple[int, list[int]]) -> Batch:
        seed, indices = job
        return collate([self.cache[j] for j in indices], self.spatial_dims, self.policy, self.patch, self.flips, seed)


def _identity(batch: Batch) -> Batch:
    return batch


class DeviceLoader:
    """Batches (dicts of tensors on ``device``, batch axis first) of a map-style dataset of dict items.

    dataset: items are dicts of numpy arrays, channel axis first (``{"x": (C, *spatial)}``).
    degrade: ``degrade(batch, generator) -> batch`` turns the clean batch into a training pair on
        the device (noise, masks, projections, ...), after the crop and flips.
    generator: the seed, or a ``torch.Generator`` whose ``initial_seed()`` is taken (``ctx.generator()``).
    patch: random crop size per sample (spatial axes); flips: spatial axes flipped at random.
    policy: how samples of different sizes are batched: ``"crop"``, ``"pad"`` or ``"bucket"``
        (see :mod:`denoisekit.data.batching`).
    spatial_dims: the number of trailing spatial axes (default: ``x``'s axes less the channel axis).
    cache_dir: None keeps the decoded items on the device; a folder keeps them on disk (data larger
        than memory), memory-mapped and read by ``num_workers`` DataLoader workers per batch.
    on_error: ``"raise"`` an InputError naming an unreadable file, or ``"skip"`` it with a warning.
    rank, world_size: this process's shard (default: torch.distributed's, else the whole data).
    progress: ``progress(items, description, total)`` shows the decoding (``RunContext.progress``).
    """

    def __init__(self, dataset: Any, device: str | torch.device = "cpu", batch_size: int = 8, *,
                 degrade: Degrade | None = None, generator: torch.Generator | int | None = None,
                 shuffle: bool = True, drop_last: bool = False, patch: Sequence[int] | None = None,
                 flips: Sequence[int] = (), policy: str = "crop", spatial_dims: int | None = None,
                 cache_dir: str | Path | None = None, num_workers: int = 0, on_error: str = "raise",
                 rank: int | None = None, world_size: int | None = None, progress: Progress | None = None):
        if policy not in POLICIES:
            raise ValueError(f"policy {policy!r}: expected one of {', '.join(POLICIES)}")
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error {on_error!r}: expected 'raise' or 'skip'")
        self.device = torch.device(device)
        self.seed = generator.initial_seed() if isinstance(generator, torch.Generator) else int(generator or 0)
        self.degrade, self.policy, self.num_workers = degrade, policy, num_workers
        self.patch = None if patch is None else tuple(int(p) for p in patch)
        self.flips = tuple(flips)
        if cache_dir is None:
            self.cache: MemoryCache | DiskCache = MemoryCache(dataset, self.device, on_error, progress)
        else:
            self.cache = DiskCache(dataset, cache_dir, on_error, progress)
        if not len(self.cache):
            raise ValueError(f"{type(dataset).__name__} has no readable item")
        first = self.cache.shapes[0]
        self.spatial_dims = spatial_dims or len(first["x" if "x" in first else next(iter(first))]) - 1
        sizes = self._check_items()
        if any(not -self.spatial_dims <= a < self.spatial_dims for a in self.flips):
            raise ValueError(f"flips {self.flips}: spatial axes are 0..{self.spatial_dims - 1} (or negative)")
        self.flips = tuple(sorted({a % self.spatial_dims for a in self.flips}))
        self.sampler = ShardSampler(len(self.cache), batch_size, seed=self.seed, shuffle=shuffle,
                                    drop_last=drop_last, groups=sizes if policy == "bucket" else None,
                                    rank=rank, world_size=world_size)
        self._generator = torch.Generator(device=self.device)

    def _check_items(self) -> list[tuple[int, ...]]:
        """Reject, before any batch, items that no policy can batch together: named, with the first item."""
        if self.patch is not None and len(self.patch) != self.spatial_dims:
            raise ValueError(f"patch {self.patch} needs {self.spatial_dims} sizes (one per spatial axis)")
        shapes = self.cache.shapes
        expected = signature(shapes[0], self.spatial_dims)
        sizes = []
        for j, item in enumerate(shapes):
            where = source_of(self.cache.dataset, self.cache.indices[j])
            if MASK_KEY in item and self.policy == "pad":
                raise ValueError(f"{where}: key {MASK_KEY!r} is reserved for the pad policy's mask")
            if signature(item, self.spatial_dims) != expected:
                first = source_of(self.cache.dataset, self.cache.indices[0])
                raise ValueError(f"{where}: arrays {dict(item)} do not match {dict(shapes[0])} of {first} "
                                 f"beyond the last {self.spatial_dims} (spatial) axes")
            size = spatial_shape(item, self.spatial_dims)
            small = self.patch is not None and any(p > s for p, s in zip(self.patch, size, strict=True))
            if small and self.policy != "pad":
                raise ValueError(f"{where}: spatial shape {size} is smaller than the patch {self.patch} "
                                 f"(use a smaller patch or policy='pad')")
            sizes.append(size)
        return sizes

    def __len__(self) -> int:
        """Batches in the current epoch on this rank."""
        return len(self.sampler)

    @property
    def epoch(self) -> int:
        return self.sampler.epoch

    def set_epoch(self, epoch: int) -> None:
        """Start ``epoch`` from its first batch (a finished pass moves on to the next epoch by itself)."""
        self.sampler.set_epoch(epoch)

    def state_dict(self) -> dict[str, Any]:
        """Epoch and batches already yielded (plus what must match on resume); save it with the model."""
        return self.sampler.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume: the next iteration yields the batches that were not yielded yet."""
        self.sampler.load_state_dict(state)

    def _collated(self, batches: list[list[int]], epoch: int, start: int) -> Iterator[Batch]:
        """The batches cut and stacked in a background thread, one ahead; on disk, read by DataLoader workers."""
        seeds = [mix_seed(self.seed, epoch, self.sampler.rank, k, 1) for k in range(start, start + len(batches))]
        disk = isinstance(self.cache, DiskCache)
        loader = torch.utils.data.DataLoader(
            _Batches(self.cache, self.spatial_dims, self.policy, self.patch, self.flips), batch_size=None,
            sampler=list(zip(seeds, batches, strict=True)), collate_fn=_identity,
            num_workers=self.num_workers if disk else 0, pin_memory=disk and self.device.type == "cuda")
        return background(loader)

    def __iter__(self) -> Iterator[Batch]:
        sampler = self.sampler
        batches = sampler.remaining()
        epoch, start = sampler.epoch, sampler.position
        for k, batch in enumerate(self._collated(batches, epoch, start), start):
            batch = {key: t.to(self.device, non_blocking=True) for key, t in batch.items()}
            self._generator.manual_seed(mix_seed(self.seed, epoch, sampler.rank, k))
            if self.degrade is not None:
                batch = self.degrade(batch, self._generator)
            sampler.position = k + 1
            yield batch
        sampler.set_epoch(epoch + 1)
