"""Held-out dehazing benchmark of the ultrasound plugin (issue 16), side by side in one run.

Data: simulated cardiac frames (PyMUST, denoisekit_ultrasound.simulate) of phantoms never used for training
(us-cardiac-sim: seeds 1000-1159) or tuning (benchmarks/ultrasound_tune.py: seeds 5000-5003): by default seeds
9001-9003, 256 x 192 IQ pixels, 10000 scatterers, haze gain 0.9 (haze RMS / tissue RMS in the channel RF), noise
0.01. Methods: the hazy input, NLM on the dB image (ultrasound/nlm defaults), ultrasound/dehaze-diffusion with its
defaults (shipped weights), and with --sequence the 7-frame sequence (seed 9101) with ultrasound/svd-filter (and
the per-frame dehazer with --sequence-methods svd-filter dehaze-diffusion).
BM3D is left out: the PyPI bm3d package is for non-commercial use only.
Metrics (denoisekit_ultrasound.metrics): gCNR cavity vs myocardium, KS of the myocardium against the clean frame,
CNR, PSNR on dB; seconds per frame from run.json.

    OMP_NUM_THREADS=1 python benchmarks/ultrasound_dehaze.py [--seeds 9001 9002 9003] [--sequence]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

METRICS = ("us_gcnr", "us_ks_myocardium", "us_cnr", "us_psnr_db")
GRID = {"nz": 256, "nx": 192, "scatterers": 10000}


def simulate(folder: Path, seed: int, gain: float, frames: int = 1) -> tuple[Path, Path]:
    """hazy/clean zea files of phantom ``seed`` (a sequence when ``frames`` > 1), cached in ``folder``."""
    from denoisekit_ultrasound.datasets import frame_sample, simulate_sequence
    from denoisekit_ultrasound.simulate import simulate_frame
    from denoisekit_ultrasound.zea_format import write_zea

    stem = f"seed{seed}_gain{gain:g}_f{frames}"
    hazy, clean = folder / f"{stem}_hazy.hdf5", folder / f"{stem}_clean.hdf5"
    if not (hazy.is_file() and clean.is_file()):
        folder.mkdir(parents=True, exist_ok=True)
        sim = ([simulate_frame(seed, gain=gain, noise=0.01, **GRID)] if frames == 1
               else simulate_sequence(seed, frames, gain=gain, noise=0.01, **GRID))
        write_zea(frame_sample(sim, "clean"), clean)
        write_zea(frame_sample(sim, "hazy"), hazy)
    return hazy, clean


def run(pipeline: str, hazy: Path, clean: Path, out: Path, sets: dict | None = None) -> dict:
    """One ``denoisekit run`` with the reference; its metrics (input and output) and seconds per frame."""
    from denoisekit.testing import cli

    argv = ["run", pipeline, "--input", str(hazy), "--reference", str(clean), "--output", str(out), "--overwrite",
            "--device", "cpu"]
    for k, v in (sets or {}).items():
        argv += ["--set", f"{k}={v}"]
    start = time.perf_counter()
    if cli(argv) != 0:
        raise SystemExit(f"failed: denoisekit {' '.join(argv)}")
    wall = time.perf_counter() - start
    metrics = json.loads((out / "metrics.json").read_text())
    frames = len(np.asarray(__import__("h5py").File(hazy, "r")["data/beamformed_data"]))
    return {"input": metrics["input"], "output": metrics["output"], "seconds_per_frame": wall / frames}


def reference_metrics(clean: Path) -> dict:
    from denoisekit_ultrasound import metrics as m
    from denoisekit_ultrasound.zea_format import read_zea

    ref = read_zea(clean)
    return {name: getattr(m, name)(ref.array, ref.array, None, ref.axes, regions=ref.regions) for name in METRICS}


def table(rows: list[tuple[str, dict, float | None]]) -> str:
    lines = ["| method | gCNR | KS myocardium | CNR | PSNR dB (dB) | s / frame |", "|---|---|---|---|---|---|"]
    for name, values, seconds in rows:
        cells = " | ".join("(reference)" if name == "clean" and k in ("us_ks_myocardium", "us_psnr_db")
                           else f"{values[k]:.3f}" for k in METRICS)
        lines.append(f"| {name} | {cells} | {'' if seconds is None else f'{seconds:.1f}'} |")
    return "\n".join(lines)


def mean(dicts: list[dict]) -> dict:
    return {k: float(np.mean([d[k] for d in dicts])) for k in dicts[0]}


def benchmark(seeds: list[int], gain: float, work: Path, dehaze_sets: dict | None = None,
              methods: tuple[str, ...] = ("nlm", "dehaze-diffusion")) -> list[tuple[str, dict, float | None]]:
    results: dict[str, list] = {"hazy input": [], "clean": []}
    seconds: dict[str, list] = {}
    for seed in seeds:
        hazy, clean = simulate(work / "data", seed, gain)
        results["clean"].append(reference_metrics(clean))
        for method in methods:
            r = run(f"ultrasound/{method}", hazy, clean, work / f"{method}_{seed}",
                    dehaze_sets if method == "dehaze-diffusion" else None)
            results.setdefault(method, []).append(r["output"])
            seconds.setdefault(method, []).append(r["seconds_per_frame"])
            if len(results["hazy input"]) < len(results["clean"]):
                results["hazy input"].append(r["input"])
    return [(name, mean(v), float(np.mean(seconds[name])) if name in seconds else None)
            for name, v in results.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[9001, 9002, 9003], help="held-out frames (none: skip)")
    parser.add_argument("--gain", type=float, default=0.9)
    parser.add_argument("--sequence", action="store_true", help="also the 7-frame sequence (seed 9101)")
    parser.add_argument("--sequence-methods", nargs="+", default=["svd-filter"],
                        help="pipelines run on the sequence (dehaze-diffusion: per frame, slow on a CPU)")
    parser.add_argument("--methods", nargs="+", default=["nlm", "dehaze-diffusion"])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ultrasound_bench")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    if args.seeds:
        print(f"held-out frames: seeds {args.seeds}, gain {args.gain:g}")
        print(table(benchmark(args.seeds, args.gain, args.work, methods=tuple(args.methods))))
    if args.sequence:
        hazy, clean = simulate(args.work / "data", 9101, args.gain, frames=7)
        rows = [("clean", reference_metrics(clean), None)]
        for method in args.sequence_methods:
            r = run(f"ultrasound/{method}", hazy, clean, args.work / f"seq_{method}")
            if len(rows) == 1:
                rows.insert(0, ("hazy input", r["input"], None))
            rows.append((method, r["output"], r["seconds_per_frame"]))
        print("\n7-frame held-out sequence (seed 9101), mean over frames")
        print(table(rows))


if __name__ == "__main__":
    main()
