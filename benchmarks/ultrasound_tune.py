"""Tuning of ultrasound/dehaze-diffusion's defaults (strength = gamma, t_start) on simulated tuning phantoms
(seeds 5000-5003 by default: never in the training set, never in the held-out benchmark), haze gain 0.9. The
score is gCNR (cavity vs myocardium) under the constraint that the myocardium's KS statistic stays low; every
row is printed so the choice can be checked.

    OMP_NUM_THREADS=1 python benchmarks/ultrasound_tune.py [--seeds 5000 5001] [--strength 0.5 1 2] \
        [--t-start 0.6 0.8] [--weights W.pt]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np


def main() -> None:
    from ultrasound_dehaze import run, simulate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[5000, 5001, 5002, 5003])
    parser.add_argument("--strength", type=float, nargs="+", default=[0.5, 1.0, 2.0])
    parser.add_argument("--t-start", type=float, nargs="+", default=[0.8])
    parser.add_argument("--gain", type=float, default=0.9)
    parser.add_argument("--weights", default="")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ultrasound_tune")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    print("| strength | t_start | gCNR | KS myocardium | hazy gCNR | hazy KS |\n|---|---|---|---|---|---|")
    for t_start in args.t_start:
        for strength in args.strength:
            rows = []
            for seed in args.seeds:
                hazy, clean = simulate(args.work / "data", seed, args.gain)
                sets = {"strength": strength, "t_start": t_start, **({"weights": args.weights} if args.weights else {})}
                out = args.work / f"s{strength}_t{t_start}_{seed}"
                rows.append(run("ultrasound/dehaze-diffusion", hazy, clean, out, sets))
            m = {k: float(np.mean([r["output"][k] for r in rows])) for k in rows[0]["output"]}
            h = {k: float(np.mean([r["input"][k] for r in rows])) for k in rows[0]["input"]}
            print(f"| {strength:g} | {t_start:g} | {m['us_gcnr']:.3f} | {m['us_ks_myocardium']:.3f} | "
                  f"{h['us_gcnr']:.3f} | {h['us_ks_myocardium']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
