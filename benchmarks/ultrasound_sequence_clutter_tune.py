"""Choice of ultrasound/clutter-filter3d's weights on tuning sequences (never the held-out 9000+ seeds): 7-frame
PyMUST sequences of phantoms 5100 and 5101 at haze gain 0.9 (as benchmarks/ultrasound_sequence.py simulates
them). Each candidate is a weights.pt of ``denoisekit train ultrasound/clutter-filter3d`` or one of its trainer
checkpoints (``OUT/checkpoints/step-*.pt``: the EMA weights are taken, with the network options of
``OUT/train-options.json``); each runs through ``denoisekit run`` with the clean reference. Printed: per
sequence, mean gCNR (cavity vs myocardium) in -> out and the myocardium KS against the clean sequence.

    OMP_NUM_THREADS=1 python benchmarks/ultrasound_sequence_clutter_tune.py --weights W1.pt OUT/checkpoints/*.pt
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path


def as_weights(path: Path, work: Path) -> Path:
    """``path`` itself when it is a weights.pt, else the EMA weights of a trainer checkpoint written to ``work``."""
    import torch

    state = torch.load(path, map_location="cpu", weights_only=False)
    if "filters" in state:
        return path
    options = json.loads((path.parent.parent / "train-options.json").read_text())
    module = state["ema"]["module"] if state.get("ema") else state["model"]
    payload = {"model": module, "filters": options["filters"], "levels": options["levels"],
               "upsample": options.get("upsample", "transpose"), "residual": options.get("residual", "free"),
               "steps": int(state["step"])}
    out = work / f"{path.parent.parent.name}_{path.stem}.pt"
    torch.save(payload, out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, nargs="+", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[5100, 5101])
    parser.add_argument("--gain", type=float, default=0.9)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ultrasound_sequence_clutter_tune")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    from ultrasound_dehaze import simulate

    from denoisekit.testing import cli

    data = [(seed, *simulate(args.work / "data", seed, args.gain, frames=7)) for seed in args.seeds]
    (args.work / "weights").mkdir(parents=True, exist_ok=True)
    head = " | ".join(f"{seed}: gCNR in -> out / KS" for seed in args.seeds)
    print(f"| weights | {head} | mean gain / KS |\n|---|{'---|' * len(args.seeds)}---|")
    for path in args.weights:
        weights = as_weights(path, args.work / "weights")
        cells, gains, kss = [], [], []
        for _, hazy, clean in data:
            out = args.work / "run"
            argv = ["run", "ultrasound/clutter-filter3d", "--input", str(hazy), "--reference", str(clean),
                    "--output", str(out), "--overwrite", "--device", "cpu", "--quiet", "--set", f"weights={weights}"]
            if cli(argv) != 0:
                raise SystemExit(f"failed: denoisekit {' '.join(argv)}")
            m = json.loads((out / "metrics.json").read_text())
            g_in, g_out, k = m["input"]["us_gcnr"], m["output"]["us_gcnr"], m["output"]["us_ks_myocardium"]
            cells.append(f"{g_in:.3f} -> {g_out:.3f} / {k:.3f}")
            gains.append(g_out - g_in)
            kss.append(k)
        print(f"| {path} | {' | '.join(cells)} | {sum(gains) / len(gains):+.3f} / {sum(kss) / len(kss):.3f} |",
              flush=True)


if __name__ == "__main__":
    main()
