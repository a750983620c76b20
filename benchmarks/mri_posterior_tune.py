"""Tune mri/diffusion-posterior on the mri-sample tuning slices only (the two fully sampled 256 x 256 8-coil
slices of ``mr_full.h5``: pydicom-data images with simulated coils and phase, 30 dB), undersampled as in the
benchmark (4x equispaced 8 % centre, 8x random 4 % centre, seed 1 as benchmarks/mri_tune.py). The held-out
MNI152 slices of benchmarks/mri_posterior.py are never used here. These are the prior's training images
(other phase maps and noise): the tuning chooses sampler settings, not the prior, and the held-out benchmark
says how far they carry.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_posterior_tune.py [--weights FILE] \
        --grid "sampler=dc iterations=20 lam=1" "sampler=dc iterations=50 lam=1" ...

Prints PSNR / SSIM (fastMRI conventions) of each setting on both masks, their mean, and mri/cs-wavelet's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from denoisekit_mri.metrics import mri_psnr, mri_ssim
from mri_posterior import cs_slices, parse_settings, posterior_slices
from mri_tune import MASKS, tuning_slices, undersample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/mri-tune"))
    parser.add_argument("--weights", default="", help="a prior other than the shipped one")
    parser.add_argument("--grid", nargs="+", required=True, help="settings, each 'key=value key=value ...'")
    parser.add_argument("--cs", action="store_true", help="also score mri/cs-wavelet's defaults")
    args = parser.parse_args()
    torch.set_num_threads(1)
    full, reference = tuning_slices(args.root)
    data = {kind: undersample(full, kind) for kind in MASKS}
    print("| setting | " + " | ".join(f"{k} PSNR / SSIM" for k in MASKS) + " | mean PSNR / SSIM | s / slice |")
    print("|---|" + "---|" * (len(MASKS) + 2))
    settings = [("mri/cs-wavelet defaults", None)] if args.cs else []
    settings += [(text, parse_settings(text.split() + ([f"weights={args.weights}"] if args.weights else [])))
                 for text in args.grid]
    for name, config in settings:
        cells, scores, times = [], [], []
        for y, mask in data.values():
            image, seconds = cs_slices(y, mask) if config is None else posterior_slices(y, mask, config)
            p, s = mri_psnr(image, reference), mri_ssim(image, reference)
            cells.append(f"{p:.2f} / {s:.4f}")
            scores.append((p, s))
            times.append(seconds)
        mean = np.mean(scores, axis=0)
        print(f"| {name} | " + " | ".join(cells) + f" | {mean[0]:.2f} / {mean[1]:.4f} | {np.mean(times):.1f} |",
              flush=True)


if __name__ == "__main__":
    main()
