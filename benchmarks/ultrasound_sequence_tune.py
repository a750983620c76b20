"""Tuning of ultrasound/lowrank-dehaze's defaults on tuning sequences (never the held-out 9000+ seeds): 7-frame
PyMUST sequences of phantoms 5100 and 5101 at haze gain 0.9 (as benchmarks/ultrasound_sequence.py simulates
them), a grid over the CCDF start, the data step and the nuclear-norm threshold; mean gCNR (cavity vs
myocardium) and myocardium KS against the clean sequence per setting.

    OMP_NUM_THREADS=1 python benchmarks/ultrasound_sequence_tune.py [--seeds 5100] [--steps 40]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[5100, 5101])
    parser.add_argument("--gain", type=float, default=0.9)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--t-start", type=float, nargs="+", default=[0.05, 0.15])
    parser.add_argument("--threshold", type=float, nargs="+", default=[4.0, 8.0, 16.0])
    parser.add_argument("--strength", type=float, nargs="+", default=[1.0, 0.5])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ultrasound_sequence_tune")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    from ultrasound_dehaze import simulate

    from denoisekit.testing import cli

    data = [simulate(args.work / "data", seed, args.gain, frames=7) for seed in args.seeds]
    print("| t_start | threshold | strength | gCNR in -> out | KS myocardium in -> out |\n|---|---|---|---|---|")
    for t_start, threshold, strength in itertools.product(args.t_start, args.threshold, args.strength):
        inputs, outputs = [], []
        for hazy, clean in data:
            out = args.work / "run"
            argv = ["run", "ultrasound/lowrank-dehaze", "--input", str(hazy), "--reference", str(clean), "--output",
                    str(out), "--overwrite", "--device", "cpu", "--quiet", "--set", f"steps={args.steps}",
                    "--set", f"t_start={t_start}", "--set", f"threshold={threshold}", "--set", f"strength={strength}"]
            if cli(argv) != 0:
                raise SystemExit(f"failed: denoisekit {' '.join(argv)}")
            m = json.loads((out / "metrics.json").read_text())
            inputs.append(m["input"])
            outputs.append(m["output"])

        def avg(rows, key):
            return sum(r[key] for r in rows) / len(rows)

        print(f"| {t_start:g} | {threshold:g} | {strength:g} | {avg(inputs, 'us_gcnr'):.3f} -> "
              f"{avg(outputs, 'us_gcnr'):.3f} | {avg(inputs, 'us_ks_myocardium'):.3f} -> "
              f"{avg(outputs, 'us_ks_myocardium'):.3f} |", flush=True)


if __name__ == "__main__":
    main()
