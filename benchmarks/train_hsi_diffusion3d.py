"""The recipe of the shipped ``hsi/diffusion3d`` weights (``denoisekit_hsi/weights/diffusion3d_tiny.pt``).

Simulated cubes (``denoisekit_hsi.sample.make_cube``: linear mixing at AVIRIS band centres with spectral
variability; seeds 100.. so that the benchmark cubes, seed 0, are never seen) are written as ``.npy`` files
(H, W, bands) into a folder, and the folder is trained on with the same ``fit`` function that
``denoisekit train hsi/diffusion3d --data DIR`` runs, on one CPU thread:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/train_hsi_diffusion3d.py --work /tmp/d3d \\
        --output plugins/hsi/denoisekit_hsi/weights/diffusion3d_tiny.pt

It resumes from ``WORK/checkpoints`` when interrupted (run the same command again).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from denoisekit_hsi.diffusion3d.fit import fit
from denoisekit_hsi.diffusion_records import TRAINING_OPTIONS
from denoisekit_hsi.sample import make_cube

from denoisekit.manager import PluginHost
from denoisekit.pipeline import RunContext
from denoisekit.training_data import TrainingData

BANDS = (60, 100, 140, 100)


def write_cubes(folder: Path, count: int, side: int) -> None:
    """``count`` cubes side x side with band counts cycling through ``BANDS``, seeds 100, 101, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        path = folder / f"cube_{i:02d}.npy"
        if not path.exists():
            np.save(path, make_cube(side, side, BANDS[i % len(BANDS)], seed=100 + i))  # (H, W, bands)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for the cubes and the checkpoints")
    parser.add_argument("--output", type=Path, required=True, help="where to write the weights")
    parser.add_argument("--cubes", type=int, default=8)
    parser.add_argument("--side", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="training options")
    args = parser.parse_args()

    torch.set_num_threads(1)
    config = {o.name: o.default for o in TRAINING_OPTIONS}
    for item in args.set:
        key, value = item.split("=", 1)
        config[key] = type(config[key])(value)
    write_cubes(args.work / "data", args.cubes, args.side)
    ctx = RunContext(device=torch.device(args.device), seed=args.seed, show_progress=False)
    start = time.perf_counter()
    data = TrainingData.for_pipeline(PluginHost(), "hsi/diffusion3d", args.work / "data")
    fitted = fit(data, args.work / "checkpoints", config, ctx)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_suffix(".tmp")
    torch.save(dict(fitted.weights), tmp)
    tmp.replace(args.output)
    print(json.dumps({"config": config, "seconds": round(time.perf_counter() - start, 1), "notes": dict(fitted.notes),
                      "bytes": args.output.stat().st_size}, default=str))


if __name__ == "__main__":
    main()
