"""The recipe of mri/disgan's shipped weights (``weights/disgan.pt``) and of the L1-only ablation
(``weights/disgan_l1.pt``) that benchmarks/mri_disgan.py compares against.

1. ``build``: a folder of clean magnitude NIfTI volumes (:func:`denoisekit_mri.volume_sample.build_training_folder`):
   half brain-like ellipsoid phantoms, half volumes swept from the real MR slices of pydicom-data
   (``MR2_UNCR.dcm``, ``MR-SIEMENS-DICOM-WithOverlays.dcm``, ``emri_small.dcm``); never nilearn's MNI152 (held out).
2. ``train``: ``denoisekit train mri/disgan`` on it twice, in parallel, one CPU thread each: the defaults
   (L1 + 1e-3 x the wavelet U-Net discriminator's GAN loss) and ``--set adversarial=0`` (L1 only), same seed,
   steps and patches; then the two weights files are copied into the plugin.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_disgan_train.py build --root /tmp/mri-disgan
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_disgan_train.py train --root /tmp/mri-disgan --iterations 1000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from denoisekit_mri.volume_sample import build_training_folder

WEIGHTS = Path(__file__).resolve().parents[1] / "plugins" / "mri" / "denoisekit_mri" / "weights"
RUNS = {"disgan": [], "disgan_l1": ["--set", "adversarial=0"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=("build", "train"))
    parser.add_argument("--root", type=Path, default=Path("/tmp/mri-disgan"))
    parser.add_argument("--volumes", type=int, default=16)
    parser.add_argument("--shape", type=int, nargs=3, default=(48, 64, 64))
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--install", action="store_true", help="copy the weights into the plugin")
    args = parser.parse_args()
    if args.step == "build":
        build_training_folder(args.root / "train", args.volumes, tuple(args.shape), seed=0)
        print(f"wrote {args.volumes} volumes to {args.root / 'train'}")
        return
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cli = Path(sys.executable).with_name("denoisekit")
    jobs = {name: subprocess.Popen([str(cli), "train", "mri/disgan", "--data", str(args.root / "train"),
                                    "--output", str(args.root / name), "--set", f"iterations={args.iterations}",
                                    *extra], env=env, stdout=open(args.root / f"{name}.log", "w"),
                                   stderr=subprocess.STDOUT)
            for name, extra in RUNS.items()}
    failed = [name for name, job in jobs.items() if job.wait() != 0]
    if failed:
        sys.exit(f"training failed: {', '.join(failed)} (see {args.root}/<name>.log)")
    for name in RUNS:
        if args.install:
            shutil.copyfile(args.root / name / "weights.pt", WEIGHTS / f"{name}.pt")
        print(f"{name}: {args.root / name / 'weights.pt'}")


if __name__ == "__main__":
    main()
