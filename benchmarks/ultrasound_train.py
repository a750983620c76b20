"""Recipe of the shipped ultrasound/dehaze-diffusion weights (plugins/ultrasound/denoisekit_ultrasound/weights).

1. Build the training set us-cardiac-sim (160 PyMUST phantoms, seeds 1000-1159; 34 min on one shared core):
       denoisekit data build us-cardiac-sim --root DATA
   (``--phantoms N`` below trains on the first N built phantoms only, for a build still in progress).
2. Train both priors (tissue/ and haze/ as unpaired sets), 1600 steps of batch 8 per prior, 64 x 64 patches,
   16 base channels, Adam 2e-4, EMA 0.998:
       denoisekit train ultrasound/dehaze-diffusion --data DATA/us-cardiac-sim --output OUT \
           --set iterations=1600 --set batch=8 --set patch=64 --set channels=16
3. Copy OUT/weights.pt to denoisekit_ultrasound/weights/dehaze.pt (``--install``).

The shipped weights: ``--phantoms 90 --iterations 1600`` (the first 90 phantoms, seeds 1000-1089: the build was
still running), seed 0, one CPU thread on the shared 2-core machine, 1849 s; last losses about 0.8-1.1.

Run (1 thread, CPU): OMP_NUM_THREADS=1 python benchmarks/ultrasound_train.py --data DATA --output OUT
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="root of the us-cardiac-sim build")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--phantoms", type=int, default=0, help="train on the first N phantoms (0: all)")
    parser.add_argument("--iterations", type=int, default=1600)
    parser.add_argument("--install", action="store_true", help="copy weights.pt into the plugin's weights/")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    from denoisekit.testing import cli

    folder = args.data / "us-cardiac-sim"
    if args.phantoms:  # a snapshot of the first N phantoms (symbolic links)
        snap = args.output.with_name(args.output.name + "-data")
        for part in ("tissue", "haze"):
            (snap / part).mkdir(parents=True, exist_ok=True)
            for p in sorted((folder / part).glob("phantom_*.hdf5"))[: args.phantoms]:
                if not (snap / part / p.name).exists():
                    (snap / part / p.name).symlink_to(p.resolve())
        folder = snap
    elif not (folder / "manifest.json").is_file():
        assert cli(["data", "build", "us-cardiac-sim", "--root", str(args.data)]) == 0
    code = cli(["train", "ultrasound/dehaze-diffusion", "--data", str(folder), "--output", str(args.output),
                "--set", f"iterations={args.iterations}", "--set", "batch=8", "--set", "patch=64",
                "--set", "channels=16", "--device", "cpu", "--quiet"])
    if code == 0 and args.install:
        import denoisekit_ultrasound.dehaze as dehaze

        shutil.copyfile(args.output / "weights.pt", dehaze.WEIGHTS)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
