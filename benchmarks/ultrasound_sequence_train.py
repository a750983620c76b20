"""Recipe of the shipped ultrasound/clutter-filter3d weights (plugins/ultrasound/denoisekit_ultrasound/weights/
clutter3d.pt).

1. Build the training set us-clutter-seq (PyMUST 7-frame sequences; 20-90 s a sequence on one shared core):
       denoisekit data build us-clutter-seq --root DATA
   Session 9 used 60 sequences, seeds 1000-1059. ``--reverberation-only`` below keeps the even seeds, the
   sequences without near-field clutter (30 of 60); ``--sequences N`` keeps the first N.
2. Train the 3-D attention U-Net (8 filters, 3 levels, about 86 k parameters, resize-convolution upsampling, the
   "negative" output form: input + min(s, 0) on the [0, 1] dB image) with MSE on random 7 x 48 x 48 crops
   (frames x depth x width), batch 4, Adam 1e-3, 3000 steps, EMA over about the last 5 % of the steps:
       denoisekit train ultrasound/clutter-filter3d --data DATA/us-clutter-seq --output OUT \
           --set iterations=3000 --set batch=4 --set patch=48 --set frames=7 --set filters=8 --set levels=3 \
           --set lr=1e-3 --set upsample=resize --set residual=negative --set loss=db
3. Fine-tune (session 10) from the EMA weights of step 3000 (converted by
   benchmarks/ultrasound_sequence_clutter_tune.py) for 400 steps, Adam 3e-4, with the bright-tail term
   (``tail_weight`` 0.1 on the L1 of each crop frame's top 1 % sorted dB values, output vs clean) added to the
   dB MSE; the EMA weights of step 400 (checkpoints every 100 steps of a 600-step run):
       ... --output OUT2 --iterations 600 --lr 3e-4 --tail-weight 0.1 --tail-fraction 0.01 \
           --init W3000.pt --checkpoint-every 100      # W3000.pt: step 3000's EMA weights
4. Copy the chosen weights to denoisekit_ultrasound/weights/clutter3d.pt (``--install`` copies OUT/weights.pt).

Session 10 shipped the step-400 EMA weights of step 3 (about 0.6 s a step on one thread; chosen on the tuning
sequences 5100-5103 among eight fine-tuning runs, table in docs/domains/ultrasound-sequences.md). Its starting
point is step 3000 of the session 9 run of step 2, which is described next.

The session 9 weights: ``--reverberation-only`` (30 sequences), seed 0, one CPU thread on the shared
2-core machine under a load of about 7; the EMA weights of the step-2000 checkpoint (OUT/checkpoints/
step-00002000.pt, converted by benchmarks/ultrasound_sequence_clutter_tune.py) of a 3000-step run (about 1900 s
to step 2000). The run was stopped at step 2000 for time, then resumed to 3000 with ``denoisekit train ... --resume``
and the options above. Chosen on the tuning sequences 5100 and 5101 (gain 0.9) with
benchmarks/ultrasound_sequence_clutter_tune.py among the checkpoints of five runs: steps 2500 and 3000 gain more
gCNR but have a higher mean KS than step 2000. The table is in docs/domains/ultrasound-sequences.md.

Run (1 thread, CPU): OMP_NUM_THREADS=1 python benchmarks/ultrasound_sequence_train.py --data DATA --output OUT \
    --reverberation-only
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
    parser.add_argument("--reverberation-only", action="store_true",
                        help="train on the even seeds only (no near-field clutter)")
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--loss", default="db", choices=("db", "envelope"))
    parser.add_argument("--tail-weight", type=float, default=0.0, help="weight of the bright-tail W1 term")
    parser.add_argument("--tail-fraction", type=float, default=0.01)
    parser.add_argument("--init", type=Path, default=None, help="weights.pt to fine-tune from")
    parser.add_argument("--checkpoint-every", type=int, default=500)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--patch", type=int, default=48)
    parser.add_argument("--install", action="store_true", help="copy weights.pt into the plugin's weights/")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    from denoisekit.testing import cli

    folder = args.data / "us-clutter-seq"
    if args.sequences or args.reverberation_only:  # a snapshot of complete pairs (symbolic links)
        snap = args.output.with_name(args.output.name + "-data")
        names = sorted(p.name for p in (folder / "clean").glob("sequence_*.hdf5")
                       if (folder / "hazy" / p.name).is_file()
                       and not (args.reverberation_only and int(p.stem.split("_")[1]) % 2))[: args.sequences or None]
        for part in ("hazy", "clean"):
            (snap / part).mkdir(parents=True, exist_ok=True)
            for name in names:
                if not (snap / part / name).exists():
                    (snap / part / name).symlink_to((folder / part / name).resolve())
        folder = snap
    elif not (folder / "manifest.json").is_file():
        assert cli(["data", "build", "us-clutter-seq", "--root", str(args.data)]) == 0
    code = cli(["train", "ultrasound/clutter-filter3d", "--data", str(folder), "--output", str(args.output),
                "--set", f"iterations={args.iterations}", "--set", f"batch={args.batch}",
                "--set", f"patch={args.patch}", "--set", "frames=7", "--set", "filters=8", "--set", "levels=3",
                "--set", f"lr={args.lr}",
                "--set", "upsample=resize", "--set", "residual=negative", "--set", f"loss={args.loss}",
                "--set", f"tail_weight={args.tail_weight}", "--set", f"tail_fraction={args.tail_fraction}",
                "--set", f"init={args.init or ''}", "--set", f"checkpoint_every={args.checkpoint_every}",
                "--device", "cpu", "--quiet"])
    if code == 0 and args.install:
        import denoisekit_ultrasound.clutter as clutter

        shutil.copyfile(args.output / "weights.pt", clutter.WEIGHTS)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
