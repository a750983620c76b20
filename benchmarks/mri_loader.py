"""MRI training data on the device (issue 15): the core's DeviceLoader simulating masks against a plain DataLoader.

Both loaders give ``mri/cddpm-dc``'s training batches: from fully sampled 8-coil slices (``coils`` C x H x W complex
images and their ``maps``), a fresh line mask per element (R ~ U(4, 10), equispaced or random, the pipeline's
:class:`~denoisekit_mri.cddpm_train.Undersample`), the undersampled k-space and the zero-filled SENSE image A^H y.

- ``DeviceLoader``: the slices cached on ``--device`` once; masks, FFTs and A^H per batch there (the pipeline's
  own loader, as ``denoisekit train mri/cddpm-dc`` builds it).
- ``DataLoader``: a map-style dataset doing the same per slice on the CPU in ``__getitem__`` (2 worker processes,
  default collate, ``pin_memory`` on CUDA), batches moved to ``--device``.

Data: ``--slices`` random smooth complex slices of ``--size``^2 with 8 Gaussian coil profiles (seed 0): loader
speed does not depend on what the images show. Each loader runs one warm-up epoch, then whole epochs for at least
``--seconds``; samples/s counts those. One process, the loaders one after the other, ``--repeats`` times in turn
(the best of each is kept: on a shared machine the least disturbed run).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_loader.py [--device cuda] [--batch 8] [--size 256]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from denoisekit_mri.cddpm_train import Undersample
from torch.utils.data import DataLoader, Dataset

from denoisekit.api import ArrayDataset, DeviceLoader


def slices(n: int, size: int, coils: int = 8) -> list[dict[str, np.ndarray]]:
    """``n`` items ``{"x", "coils", "maps"}``: smooth random complex images times Gaussian coil profiles."""
    g = torch.Generator().manual_seed(0)
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, size), torch.linspace(-1, 1, size), indexing="ij")
    angles = torch.arange(coils) * 2 * torch.pi / coils
    maps = torch.stack([torch.exp(-((xx - 0.8 * torch.cos(a)) ** 2 + (yy - 0.8 * torch.sin(a)) ** 2))
                        for a in angles]).to(torch.complex64)
    maps = maps / torch.sqrt(torch.sum(maps.abs() ** 2, dim=0, keepdim=True))
    items = []
    for _ in range(n):
        coarse = torch.randn(2, 1, size // 16, size // 16, generator=g)
        image = torch.nn.functional.interpolate(coarse, size=(size, size), mode="bicubic")[:, 0]
        x = torch.complex(image[0], image[1])[None]
        items.append({"x": x.numpy(), "coils": (maps * x).numpy(), "maps": maps.numpy()})
    return items


class CpuUndersampled(Dataset):
    """The same pairs as ``Undersample``, made per slice on the CPU (one mask per item, its own seeded generator)."""

    def __init__(self, items: list[dict[str, np.ndarray]], degrade: Undersample):
        self.items, self.degrade = items, degrade

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        item = {k: torch.from_numpy(v)[None] for k, v in self.items[i].items()}
        g = torch.Generator().manual_seed(int(torch.randint(2**62, ())))
        out = self.degrade(item, g)
        return {k: v[0] for k, v in out.items()}


def timed(loader, device: torch.device, seconds: float) -> float:
    """Samples per second over whole epochs after one warm-up epoch."""
    def epoch() -> int:
        count = 0
        for batch in loader:
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            count += batch["x"].shape[0]
        if device.type == "cuda":
            torch.cuda.synchronize()
        return count

    epoch()
    start, samples = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        samples += epoch()
    return samples / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--slices", type=int, default=32)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(1)
    device = torch.device(args.device)
    items = slices(args.slices, args.size)
    degrade = Undersample(4.0, 10.0, "mixed")
    loaders = {
        "DeviceLoader (masks on the device)": DeviceLoader(ArrayDataset(items), device=device, batch_size=args.batch,
                                                           generator=0, policy="bucket", spatial_dims=2,
                                                           degrade=degrade),
        "DataLoader (2 workers, CPU)": DataLoader(CpuUndersampled(items, degrade), batch_size=args.batch,
                                                  shuffle=True, num_workers=2, persistent_workers=True,
                                                  pin_memory=device.type == "cuda"),
    }
    best = {name: 0.0 for name in loaders}
    for _ in range(args.repeats):
        for name, loader in loaders.items():
            best[name] = max(best[name], timed(loader, device, args.seconds))
    base = best["DataLoader (2 workers, CPU)"]
    print(f"device {device}; {args.slices} slices of 8 x {args.size}^2, batch {args.batch}; best of {args.repeats}\n")
    print("| loader | samples/s | vs DataLoader |\n|---|---|---|")
    for name, rate in best.items():
        print(f"| {name} | {rate:.1f} | {rate / base:.2f}x |")


if __name__ == "__main__":
    main()
