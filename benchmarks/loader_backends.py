"""Which back end under DeviceLoader: a plain loop, a buffer thread, MONAI's datasets, or DataLoader workers?

Every variant takes the same seeded batches, cuts the same random patches with the same flips
(:func:`denoisekit.data.batching.collate`) and adds Gaussian noise from a generator on the device:

- ``DeviceLoader``: samples decoded once and cached on the device, batches cut and stacked in a
  background thread (:mod:`denoisekit.data.prefetch`, MONAI ThreadBuffer's idea), noise in the
  caller's thread;
- ``loop``: the same cache, cut, stacked and degraded in the caller's thread (no thread);
- ``monai``: MONAI ``CacheDataset`` (``EnsureTyped`` + ``ToDeviced``, ``copy_cache=False``) and
  ``ThreadDataLoader`` (cut and stacked in its collate function), noise in the caller's thread;
- ``workers``: samples cached in CPU memory, cut and stacked by ``torch.utils.data.DataLoader``
  with 2 worker processes (pinned memory on CUDA), moved to the device per batch;
- ``DeviceLoader, disk``: ``DeviceLoader(cache_dir=...)``: memory-mapped ``.npy`` cache entries;
- ``persistent``: MONAI ``PersistentDataset`` (``torch.save`` per sample) + ``ThreadDataLoader``.

Prints samples/s (best of ``--repeats`` timed runs of ``--epochs`` epochs) as a Markdown table.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/loader_backends.py [--device cpu] [--threads 1]
"""

from __future__ import annotations

import argparse
import atexit
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

VARIANTS = ("DeviceLoader", "loop", "monai", "workers", "DeviceLoader, disk", "persistent")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    import torch
    from monai.data import CacheDataset, PersistentDataset, ThreadDataLoader
    from monai.transforms import Compose, EnsureTyped, Lambdad, ToDeviced

    from denoisekit.data import DeviceLoader, FileDataset, MemoryCache
    from denoisekit.data.batching import collate
    from denoisekit.data.sampler import mix_seed

    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    work = Path(tempfile.mkdtemp(prefix="dk-backends-"))
    atexit.register(shutil.rmtree, work, True)  # data and caches go when the benchmark ends

    def degrade(batch, g):
        x = batch["x"]
        return {"x": x, "y": x + 0.1 * torch.randn(x.shape, generator=g, device=x.device)}

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    class Jobs(torch.utils.data.Dataset):
        """Batch (seed, indices) of a cache, cut and stacked."""

        def __init__(self, cache, dims, patch):
            self.cache, self.dims, self.patch = cache, dims, patch

        def __getitem__(self, job):
            seed, indices = job
            return collate([self.cache[j] for j in indices], self.dims, "crop", self.patch, range(self.dims), seed)

    class Collate:
        """MONAI collate_fn: the batch cut and stacked with the next batch's seed."""

        def __init__(self, dims, patch, seeds):
            self.dims, self.patch, self.seeds = dims, patch, seeds
            self.k = 0

        def __call__(self, items):
            self.k += 1
            return collate(items, self.dims, "crop", self.patch, range(self.dims),
                           self.seeds[(self.k - 1) % len(self.seeds)])

    def epoch(source, g):
        """Degrade the batches of ``source`` (or count a DeviceLoader's own) and return the samples seen."""
        n = 0
        for k, batch in enumerate(source):
            if "y" not in batch:
                g.manual_seed(mix_seed(0, 0, 0, k))
                batch = degrade({"x": batch["x"].to(device, non_blocking=True)}, g)
            n += batch["y"].shape[0]
        return n

    print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch thread(s), device {device}, "
          f"torch {torch.__version__}\n")
    print("| case | batch | " + " | ".join(VARIANTS) + " |\n|---|---|" + "---|" * len(VARIANTS))
    cases = [("2-D 256x256", (256, 256), 256, (192, 192)), ("3-D 64^3", (64, 64, 64), 64, (48, 48, 48))]
    for name, shape, count, patch in cases:
        rng = np.random.default_rng(0)
        folder = work / name.split()[0]
        folder.mkdir()
        paths = []
        for i in range(count):
            paths.append(folder / f"{i}.npy")
            np.save(paths[-1], rng.random(shape, dtype=np.float32))
        dataset, dims = FileDataset(paths, np.load), len(shape)
        ours_loop = Jobs(MemoryCache(dataset, device), dims, patch)
        ours_cpu = Jobs(MemoryCache(dataset, torch.device("cpu")), dims, patch)
        # the load must be a MONAI Transform: caching stops at the first random or non-Transform step
        monai_ds = CacheDataset([{"x": p} for p in paths], progress=False, copy_cache=False, transform=Compose(
            [Lambdad("x", np.load), EnsureTyped(keys="x", track_meta=False), ToDeviced(keys="x", device=device)]))
        persistent = PersistentDataset([{"x": str(p)} for p in paths], cache_dir=work / f"monai-{name[0]}",
                                       transform=Compose([Lambdad("x", np.load), EnsureTyped("x", track_meta=False)]))
        for batch_size in (8, 32):
            common = dict(batch_size=batch_size, degrade=degrade, patch=patch, flips=range(dims), drop_last=True)
            ours = DeviceLoader(dataset, device, **common)
            jobs = [(mix_seed(0, 0, 0, k, 1), b) for k, b in enumerate(ours.sampler.batches(0))]
            batches = [b for _, b in jobs]
            workers = torch.utils.data.DataLoader(ours_cpu, batch_size=None, sampler=jobs, num_workers=2,
                                                  persistent_workers=True, pin_memory=device.type == "cuda")
            collate_fn = Collate(dims, patch, [s for s, _ in jobs])
            disk = DeviceLoader(dataset, device, cache_dir=work / "cache", **common)
            sources = {
                "DeviceLoader": lambda ours=ours: ours,
                "loop": lambda c=ours_loop, jobs=jobs: (c[job] for job in jobs),
                "monai": lambda d=monai_ds, b=batches, c=collate_fn: ThreadDataLoader(d, batch_sampler=b, collate_fn=c),
                "workers": lambda w=workers: w,
                "DeviceLoader, disk": lambda d=disk: d,
                "persistent": lambda d=persistent, b=batches, c=collate_fn: ThreadDataLoader(d, batch_sampler=b,
                                                                                             collate_fn=c),
            }
            g = torch.Generator(device=device)
            best = dict.fromkeys(VARIANTS, 0.0)
            for _ in range(args.repeats):
                for key in VARIANTS:
                    sync()
                    start = time.perf_counter()
                    n = sum(epoch(sources[key](), g) for _ in range(args.epochs))
                    sync()
                    best[key] = max(best[key], n / (time.perf_counter() - start))
            del workers, sources
            cells = [f"{best[k]:.0f}" + ("" if k == VARIANTS[0] else f" ({best[k] / best[VARIANTS[0]]:.2f}x)")
                     for k in VARIANTS]
            print(f"| {name} | {batch_size} | " + " | ".join(cells) + " |")

if __name__ == "__main__":
    main()
