"""Tune the MRI baselines (mri/sense, mri/cs-wavelet) on the mri-sample tuning slices only.

The tuning data are the two fully sampled 256 x 256 8-coil slices of mri-sample (``mr_full.h5``: real MR
images of pydicom-data with simulated coils, 30 dB), undersampled as in the benchmark: 4x equispaced with
8 % centre lines and 8x random with 4 % centre lines (seed 1, not the sample's). The held-out MNI152
slices of benchmarks/mri_baselines.py are never used here.

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/mri_tune.py [--root DIR] [--sigpy]

Prints PSNR / SSIM (fastMRI conventions) of each setting on both masks and their mean.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import h5py
import numpy as np
import torch
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.espirit import estimate_maps
from denoisekit_mri.fft import ifft2c
from denoisekit_mri.masks import equispaced_lines, random_lines
from denoisekit_mri.metrics import mri_psnr, mri_ssim
from denoisekit_mri.reconstruction import cs_wavelet, sense
from denoisekit_mri.sample import build_mri_sample

MASKS = {"4x-equispaced-8%": (equispaced_lines, 4, 0.08), "8x-random-4%": (random_lines, 8, 0.04)}


def tuning_slices(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """Fully sampled k-space (N, C, H, W) and the RSS references (N, H, W) of the mri-sample's tuning slices."""
    build_mri_sample(directory)
    with h5py.File(directory / "mr_full.h5", "r") as h5:
        return np.asarray(h5["kspace"]), np.asarray(h5["reconstruction_rss"])


def undersample(full: np.ndarray, kind: str, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    fn, accel, cf = MASKS[kind]
    mask, _ = fn(full.shape[-1], accel, cf, np.random.default_rng(seed))
    m = torch.from_numpy(mask.astype(np.float32))[None, None, None]
    return torch.from_numpy(full) * m, m


def score(image: torch.Tensor, reference: np.ndarray) -> tuple[float, float]:
    est = image.abs().numpy()
    return mri_psnr(est, reference), mri_ssim(est, reference)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/mri-tune"))
    parser.add_argument("--sigpy", action="store_true", help="also tune sigpy's lambda (the benchmark's peer)")
    parser.add_argument("--quick", action="store_true", help="only the ESPIRiT crop 0 settings")
    parser.add_argument("--peer-only", action="store_true", help="only sigpy (with --sigpy)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    full, reference = tuning_slices(args.root)
    data = {kind: undersample(full, kind) for kind in MASKS}
    rows = []

    def report(name: str, kind: str, image: torch.Tensor | np.ndarray, seconds: float) -> None:
        p, q = score(torch.as_tensor(image), reference)
        rows.append((name, kind, p, q, seconds))
        print(f"{name:45s} {kind:18s} PSNR {p:6.2f} SSIM {q:.4f} {seconds:6.2f} s", flush=True)

    for kind, (y, _) in data.items():
        report("zero-filled", kind, torch.sqrt(torch.sum(ifft2c(y).abs() ** 2, 1)), 0.0)
    for crop in () if args.peer_only else (0.95, 0.0):
        if crop == 0.95 and args.quick:
            continue
        maps = {kind: estimate_maps(y, m, crop=crop) for kind, (y, m) in data.items()}
        for iterations, tikhonov in itertools.product((5, 10, 20), (0.0, 0.01, 0.05)):
            for kind, (y, m) in data.items():
                t = time.perf_counter()
                x = sense(MultiCoilCartesian(maps[kind], m), y, iterations, tikhonov)
                report(f"sense crop={crop} it={iterations} tik={tikhonov}", kind, x, time.perf_counter() - t)
        for lam, tikhonov in itertools.product((0.001, 0.002, 0.005, 0.01), (0.0, 0.01)):
            for kind, (y, m) in data.items():
                t = time.perf_counter()
                x = cs_wavelet(MultiCoilCartesian(maps[kind], m), y, lam, 100, 4, 4, 1.0, tikhonov)
                report(f"cs crop={crop} lam={lam} tik={tikhonov} it=100 db4", kind, x, time.perf_counter() - t)
    if args.sigpy:
        from mri_baselines import sigpy_l1

        for lam in (0.001, 0.002, 0.005, 0.01, 0.02):
            for kind, (y, m) in data.items():
                t = time.perf_counter()
                x = np.stack([sigpy_l1(s.numpy(), m[0, 0, 0].numpy(), lam) for s in y])
                report(f"sigpy L1WaveletRecon lam={lam}", kind, x, time.perf_counter() - t)
    by_setting: dict[str, list] = {}
    for name, _, p, q, _ in rows:
        by_setting.setdefault(name, []).append((p, q))
    print("\nmean over both masks, best SSIM first")
    for name, values in sorted(by_setting.items(), key=lambda kv: -np.mean([v[1] for v in kv[1]]))[:25]:
        print(f"{name:45s} PSNR {np.mean([v[0] for v in values]):6.2f} SSIM {np.mean([v[1] for v in values]):.4f}")


if __name__ == "__main__":
    main()
