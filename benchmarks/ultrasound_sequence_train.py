"""Recipe of the shipped ultrasound/clutter-filter3d weights (plugins/ultrasound/denoisekit_ultrasound/weights/
clutter3d.pt).

1. Build the training set us-clutter-seq (40 PyMUST 7-frame sequences, seeds 1000-1039; 20-90 s a sequence on
   one shared core):
       denoisekit data build us-clutter-seq --root DATA
   (``--sequences N`` below trains on the first N built sequences only, for a build still in progress).
2. Train the 3-D attention U-Net (8 filters, 3 levels, about 80 k parameters) with MSE on random 7 x 48 x 48
   crops (frames x depth x width) of B-mode frames in [0, 1], batch 4, Adam 5e-4, 2400 steps, EMA over about
   the last 5 % of the steps:
       denoisekit train ultrasound/clutter-filter3d --data DATA/us-clutter-seq --output OUT \
           --set iterations=2400 --set batch=4 --set patch=48 --set frames=7 --set filters=8 --set levels=3
3. Copy OUT/weights.pt to denoisekit_ultrasound/weights/clutter3d.pt (``--install``).

The shipped weights: ``--sequences 24`` (seeds 1000-1023: the build was stopped there to leave the CPU to
training), 2400 steps, seed 0, one CPU thread on the shared 2-core machine under a load of about 10: 2500 s,
last losses 0.007-0.019 (the input's MSE 0.048). Chosen on the tuning sequences 5100 and 5101 (gain 0.9) over an
earlier run (14 sequences, 1500 steps: gCNR +0.048 / +0.101) and over this run's step-2000 EMA (gCNR +0.127 /
+0.170 but myocardium KS 0.154 / 0.361): the final weights give gCNR +0.085 / +0.127 with KS 0.069 / 0.288.

Run (1 thread, CPU): OMP_NUM_THREADS=1 python benchmarks/ultrasound_sequence_train.py --data DATA --output OUT
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="root of the us-clutter-seq build")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--sequences", type=int, default=0, help="train on the first N sequences (0: all)")
    parser.add_argument("--iterations", type=int, default=6000)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--loss", default="db", choices=("db", "envelope"))
    parser.add_argument("--install", action="store_true", help="copy weights.pt into the plugin's weights/")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    from denoisekit.testing import cli

    folder = args.data / "us-clutter-seq"
    if args.sequences:  # a snapshot of the first N complete pairs (symbolic links)
        snap = args.output.with_name(args.output.name + "-data")
        names = sorted(p.name for p in (folder / "clean").glob("sequence_*.hdf5")
                       if (folder / "hazy" / p.name).is_file())[: args.sequences]
        for part in ("hazy", "clean"):
            (snap / part).mkdir(parents=True, exist_ok=True)
            for name in names:
                if not (snap / part / name).exists():
                    (snap / part / name).symlink_to((folder / part / name).resolve())
        folder = snap
    elif not (folder / "manifest.json").is_file():
        assert cli(["data", "build", "us-clutter-seq", "--root", str(args.data)]) == 0
    code = cli(["train", "ultrasound/clutter-filter3d", "--data", str(folder), "--output", str(args.output),
                "--set", f"iterations={args.iterations}", "--set", "batch=4", "--set", "patch=48",
                "--set", "frames=7", "--set", "filters=8", "--set", "levels=3", "--set", f"lr={args.lr}",
                "--set", "upsample=resize", "--set", "residual=gain", "--set", f"loss={args.loss}", "--device", "cpu",
                "--quiet"])
    if code == 0 and args.install:
        import denoisekit_ultrasound.clutter as clutter

        shutil.copyfile(args.output / "weights.pt", clutter.WEIGHTS)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
