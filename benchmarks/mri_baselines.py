"""Held-out benchmark of the MRI baselines against sigpy: zero-filled, our CG-SENSE, our L1-wavelet CS, and
sigpy's L1WaveletRecon with sigpy's EspiritCalib maps, at 4x equispaced (8 % centre) and 8x random (4 %
centre) Cartesian undersampling; PSNR / SSIM with fastMRI's conventions (whole image, range = the volume's
max) and seconds per slice on one thread.

Held-out data (never used for tuning): axial slices of nilearn's MNI152 2009 T1 template at 1 mm (shipped
inside the nilearn wheel), transposed (a 90 degree different orientation from anything tuned on), zero-padded
to 256 x 256, scaled to max 1, with a smooth random phase, 8 simulated coils rotated by 0.3 rad and placed
farther out (distance 1.5) than the tuning data's, and complex Gaussian noise at 25 dB by default (``--snr``; the
tuning data: 30 dB).
Our defaults and sigpy's lambda were chosen on the mri-sample slices only (benchmarks/mri_tune.py).

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/mri_baselines.py [--snr 25] [--slices 50 70 90 110]

Needs the plugin's ``bench`` extra (sigpy, nilearn).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.espirit import estimate_maps
from denoisekit_mri.fft import ifft2c
from denoisekit_mri.masks import equispaced_lines, random_lines
from denoisekit_mri.metrics import mri_psnr, mri_ssim
from denoisekit_mri.reconstruction import cs_wavelet, sense
from denoisekit_mri.reconstruction_records import CS_OPTIONS, SENSE_OPTIONS
from denoisekit_mri.simulate import acquire, coil_maps, noise_sigma, rss_image, smooth_phase

MASKS = {"4x equispaced, 8% centre": (equispaced_lines, 4, 0.08), "8x random, 4% centre": (random_lines, 8, 0.04)}
SIGPY_LAMBDA = 0.01  # relative to max |A^H y|, the best of 0.001-0.02 on the tuning slices (mri_tune.py --sigpy)


def mni_volume(slices: list[int]) -> np.ndarray:
    """MNI152 T1 1 mm axial slices, transposed, zero-padded to 256 x 256, max 1."""
    from nilearn.datasets import load_mni152_template

    data = np.asarray(load_mni152_template(resolution=1).dataobj, dtype=np.float64)
    images = np.stack([data[:, :, z].T[::-1] for z in slices])
    pads = [((256 - n) // 2, 256 - n - (256 - n) // 2) for n in images.shape[1:]]
    images = np.pad(images, ((0, 0), *pads))
    return images / images.max()


def simulate(images: np.ndarray, snr_db: float, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    maps = coil_maps(images.shape[-2:], 8, distance=1.5, rotation=0.3)
    kspace = []
    for image in images:
        x = image * smooth_phase(image.shape, rng)
        kspace.append(acquire(x, maps, noise_sigma(x, snr_db), rng))
    full = np.stack(kspace)
    return full, rss_image(full)


def centre_lines(mask: np.ndarray) -> int:
    """The number of contiguous sampled lines through the centre of a (W,) line mask."""
    centre = mask.size // 2
    lo, hi = centre, centre
    while lo > 0 and mask[lo - 1]:
        lo -= 1
    while hi < mask.size - 1 and mask[hi + 1]:
        hi += 1
    return hi - lo + 1


def sigpy_l1(y: np.ndarray, mask: np.ndarray, lam: float) -> np.ndarray:
    """sigpy 0.1.27: EspiritCalib maps (kernel 6, thresh 0.02, crop 0.95, calib_width = the fully sampled
    centre lines, at most its default 24: its square calibration window must not take in unsampled lines),
    then L1WaveletRecon (db4, 100 iterations) with lambda relative to max |A^H y| like ours."""
    import sigpy as sp
    import sigpy.mri as mr

    maps = mr.app.EspiritCalib(y, calib_width=min(24, centre_lines(mask)), show_pbar=False).run()
    aty = np.sum(np.conj(maps) * sp.ifft(y, axes=(-2, -1)), axis=0)
    weights = np.broadcast_to(mask, y.shape[-2:]).astype(np.float32)
    return np.abs(mr.app.L1WaveletRecon(y, maps, lam * np.abs(aty).max(), weights=weights, max_iter=100,
                                        show_pbar=False).run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, nargs="+", default=[50, 70, 90, 110])
    parser.add_argument("--snr", type=float, default=25.0, help="k-space SNR in dB (mean object magnitude / noise std)")
    parser.add_argument("--no-sigpy", action="store_true", help="leave sigpy out")
    args = parser.parse_args()
    torch.set_num_threads(1)
    full, reference = simulate(mni_volume(args.slices), args.snr)
    print(f"MNI152 T1 1 mm, axial slices {args.slices}, 256 x 256, 8 coils, {args.snr:g} dB; one thread")
    for kind, (fn, accel, cf) in MASKS.items():
        mask, measured = fn(256, accel, cf, np.random.default_rng(11))
        m = torch.from_numpy(mask.astype(np.float32))[None, None, None]
        y = torch.from_numpy(full) * m
        results: dict[str, tuple[np.ndarray, float]] = {}
        t = time.perf_counter()
        results["zero-filled"] = (torch.sqrt(torch.sum(ifft2c(y).abs() ** 2, 1)).numpy(), time.perf_counter() - t)
        sn, cs = ({o.name: o.default for o in options} for options in (SENSE_OPTIONS, CS_OPTIONS))  # the defaults
        t = time.perf_counter()
        maps = estimate_maps(y, m, calibration=sn["calibration"], kernel=sn["kernel"], threshold=sn["threshold"],
                             crop=sn["crop"])
        espirit = time.perf_counter() - t
        op = MultiCoilCartesian(maps, m)
        t = time.perf_counter()
        image = sense(op, y, sn["iterations"], sn["tikhonov"]).abs().numpy()
        results["mri/sense (ours)"] = (image, espirit + time.perf_counter() - t)
        t = time.perf_counter()
        lipschitz = float(torch.sum(maps.abs() ** 2, dim=1).amax())
        image = cs_wavelet(op, y, cs["lam"], cs["iterations"], cs["levels"], cs["moments"], lipschitz,
                           cs["tikhonov"]).abs().numpy()
        results["mri/cs-wavelet (ours)"] = (image, espirit + time.perf_counter() - t)
        if not args.no_sigpy:
            t = time.perf_counter()
            results["sigpy L1WaveletRecon"] = (np.stack([sigpy_l1(s.numpy(), mask, SIGPY_LAMBDA) for s in y]),
                                               time.perf_counter() - t)
        print(f"\n{kind} (measured {measured:.2f}x)")
        print("| method | PSNR (dB) | SSIM | s / slice |\n|---|---|---|---|")
        for name, (image, seconds) in results.items():
            print(f"| {name} | {mri_psnr(image, reference):.2f} | {mri_ssim(image, reference):.4f} | "
                  f"{seconds / len(args.slices):.2f} |")


if __name__ == "__main__":
    main()
