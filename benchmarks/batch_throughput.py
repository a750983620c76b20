"""Batch throughput: a serial loop of `denoisekit run` calls against `denoisekit batch` (local pool of 1 and
2 workers, Ray with 2 CPUs), in one run, on image tiles and CT slices.

Image: 8 tiles of 64 x 64 cut from the image sample's noisy camera (sigma 25), as .npy, image/zs-n2n.
CT: four 96 x 96 slices of the ct-sample's series (three low-dose, one reference), ct/filter2noise.
Every mode is a subprocess of the installed CLI, timed from start to exit, so the serial loop pays the
CLI start-up once per input and a batch once (Ray: plus starting a local Ray instance); the batch's own
wall time (batch.json "seconds", from the inputs found to the last manifest line) is shown beside it.
The serial runs use torch's default threads (the cores here); batch workers are pinned to one thread each.
Prints Markdown tables for docs/benchmarks.md.

    .venv/bin/python benchmarks/batch_throughput.py [--image-iterations N] [--ct-iterations N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CLI = str(Path(sys.executable).with_name("denoisekit"))
MODES = ("serial run loop", "batch, 1 local worker", "batch, 2 local workers", "batch, ray, 2 CPUs")


def image_tiles(folder: Path, count: int = 8, side: int = 64) -> Path:
    """``count`` tiles of the image sample's noisy image as ``tile<i>.npy``."""
    from denoisekit.image.formats import read_png
    from denoisekit.image.sample import build_sample

    noisy = read_png(build_sample(folder.parent / "image-sample").input).array
    folder.mkdir(parents=True)
    for i in range(count):
        r, c = divmod(i, 4)
        np.save(folder / f"tile{i}.npy", np.ascontiguousarray(noisy[r * side:(r + 1) * side, c * side:(c + 1) * side]))
    return folder


def ct_slices(folder: Path) -> Path:
    """Four 96 x 96 slices of the ct-sample: the low-dose series' three and the reference series' first."""
    from denoisekit_ct.sample import build_ct_sample

    sample = folder.parent / "ct-sample"
    build_ct_sample(sample)
    folder.mkdir(parents=True)
    chosen = [*sorted((sample / "series_lowdose").glob("*.dcm")), sample / "series_reference" / "slice_0.dcm"]
    for path in chosen:
        shutil.copy(path, folder / f"{path.parent.name}_{path.name}")
    return folder


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def serial_loop(pipeline: str, inputs: list[Path], out: Path, options: list[str]) -> float:
    return sum(timed([CLI, "run", pipeline, "-i", str(p), "-o", str(out / p.name), "--quiet", *options])
               for p in inputs)


def batch(pipeline: str, folder: Path, out: Path, options: list[str], extra: list[str]) -> tuple[float, float]:
    """(wall time of the command, the batch's own seconds from batch.json)."""
    wall = timed([CLI, "batch", pipeline, "-i", str(folder), "-o", str(out), "--quiet", *options, *extra])
    return wall, json.loads((out / "batch.json").read_text())["seconds"]


def measure(name: str, pipeline: str, folder: Path, work: Path, options: list[str]) -> dict[str, object]:
    inputs = sorted(folder.iterdir())
    walls = {MODES[0]: (serial_loop(pipeline, inputs, work / f"{name}-serial", options), None)}
    for mode, extra in zip(MODES[1:], (["-w", "1"], ["-w", "2"], ["--engine", "ray", "-w", "2"]), strict=True):
        walls[mode] = batch(pipeline, folder, work / f"{name}-{'-'.join(extra)}".replace(" ", ""), options, extra)
    return {"name": name, "pipeline": pipeline, "tasks": len(inputs), "options": " ".join(options), "walls": walls}


def table(result: dict[str, object]) -> str:
    tasks, walls = result["tasks"], result["walls"]
    serial = walls[MODES[0]][0]
    rows = [f"**{result['name']}**: {tasks} inputs, `{result['pipeline']}` `{result['options']}`", "",
            "| mode | wall (s) | batch.json seconds | inputs/s | vs serial loop |", "|---|---|---|---|---|"]
    for mode in MODES:
        wall, inner = walls[mode]
        rows.append(f"| {mode} | {wall:.1f} | {'' if inner is None else f'{inner:.1f}'} | {tasks / wall:.2f} | "
                    f"{serial / wall:.2f}x |")
    (ray_wall, ray_inner), (local_wall, local_inner) = walls[MODES[3]], walls[MODES[2]]
    rows += ["", f"Ray overhead against the 2-worker local pool: {(ray_wall - local_wall) / tasks:+.2f} s per input "
             f"on the command's wall time (Ray's start included), {(ray_inner - local_inner) / tasks:+.2f} s per "
             f"input on the batch's own seconds."]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image-iterations", type=int, default=150)
    parser.add_argument("--ct-iterations", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dk-batch-bench-"))
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load before: {load}")
    results = [
        measure("image tiles", "image/zs-n2n", image_tiles(work / "tiles"), work,
                ["--set", f"iterations={args.image_iterations}"]),
        measure("CT slices", "ct/filter2noise", ct_slices(work / "slices"), work,
                ["--set", f"iterations={args.ct_iterations}", "--set", "crop=64"]),
    ]
    with open("/proc/loadavg") as f:
        print(f"load after: {' '.join(f.read().split()[:3])}")
    print("\n\n".join(map(table, results)))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
