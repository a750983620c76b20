"""mri/disgan on held-out data: nilearn's MNI152 T1 template (1 mm; evaluation only, never trained or tuned on),
blocks of ``--size``^3 voxels cut from the brain, each degraded to half the resolution on every axis by k-space
truncation (the MR-physical downsampling), clean and with Rician noise added to the low-resolution magnitude
(sigma a fraction of its maximum), then brought back to 1 mm by:

- tricubic: cubic-spline interpolation (scipy ``map_coordinates``, order 3);
- sinc: zero-padded k-space (what the generator starts from);
- disgan: the shipped generator (L1 + wavelet U-Net discriminator);
- l1-only: the same generator, same data and steps, trained with L1 only (``weights/disgan_l1.pt``).

A second table runs the generators at ``scale=1`` on the noisy 1 mm block itself (denoising only, the claim that
the super-resolution training removes noise as a side effect) against the noisy block.

PSNR (data range = the reference block's maximum) and SSIM (per slice, 7x7; fastMRI conventions) of each against
the 1 mm block, and seconds per volume, on one CPU thread.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_disgan.py --json /tmp/mri_disgan.json
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_disgan.py --axes slice --sigmas 0 0.02 0.05   # x2 along z only
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from denoisekit_mri.disgan_pipeline import load_generator, super_resolve
from denoisekit_mri.metrics import mri_psnr, mri_ssim
from denoisekit_mri.volume_kspace import AXES, factors_for, sinc_upsample, tricubic_upsample, truncate

WEIGHTS = Path(__file__).resolve().parents[1] / "plugins" / "mri" / "denoisekit_mri" / "weights"
# block corners (MNI voxel indices, (x, y, z) of the 197 x 233 x 189 template): deep grey matter and
# ventricles; parietal cortex; temporal lobe and cerebellum
CORNERS = ((66, 90, 60), (60, 60, 110), (40, 110, 30))


def held_out_blocks(size: int) -> list[np.ndarray]:
    """(D, H, W) = (z, x, y) blocks of the 1 mm MNI152 T1 template, each scaled to a maximum of 1."""
    from nilearn.datasets import load_mni152_template

    volume = load_mni152_template(resolution=1).get_fdata(dtype=np.float32)
    blocks = []
    for x, y, z in CORNERS:
        block = np.moveaxis(volume[x:x + size, y:y + size, z:z + size], -1, 0)
        blocks.append(np.ascontiguousarray(block / block.max()))
    return blocks


def rician(low: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """|low + n1 + i n2|, n1, n2 ~ N(0, (sigma max(low))^2): magnitude noise of a low-resolution scan."""
    std = sigma * float(low.max())
    return np.abs(low + std * rng.standard_normal(low.shape) + 1j * std * rng.standard_normal(low.shape)).astype(
        np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=48)
    parser.add_argument("--sigmas", type=float, nargs="+", default=(0.0, 0.02, 0.05, 0.1))
    parser.add_argument("--tile", type=int, default=64)
    parser.add_argument("--axes", choices=AXES, default="all", help="x2 on every axis, or on the slice axis (D) only")
    parser.add_argument("--weights", type=Path, default=WEIGHTS, help="folder of disgan.pt and disgan_l1.pt")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    factors = factors_for(2, args.axes)
    nets = {name: load_generator(str(args.weights / f"{name}.pt"))[0].eval() for name in ("disgan", "disgan_l1")}
    methods = {
        "tricubic": lambda v: tricubic_upsample(v, factors),
        "sinc": lambda v: sinc_upsample(torch.from_numpy(v), factors).numpy(),
        "disgan": lambda v: super_resolve(nets["disgan"], v, factors, args.tile),
        "l1-only": lambda v: super_resolve(nets["disgan_l1"], v, factors, args.tile),
    }
    blocks = held_out_blocks(args.size)
    rng = np.random.default_rng(0)
    rows = []
    for sigma in args.sigmas:
        scores: dict[str, list[tuple[float, float, float]]] = {name: [] for name in methods}
        for reference in blocks:
            low = truncate(torch.from_numpy(reference), factors).numpy()
            low = rician(low, sigma, rng) if sigma > 0 else low
            for name, method in methods.items():
                start = time.perf_counter()
                estimate = method(low)
                seconds = time.perf_counter() - start
                scores[name].append((mri_psnr(estimate, reference), mri_ssim(estimate, reference), seconds))
        for name, values in scores.items():
            psnr, ssim, seconds = (float(np.mean(c)) for c in zip(*values, strict=True))
            rows.append({"sigma": sigma, "method": name, "psnr": round(psnr, 2), "ssim": round(ssim, 4),
                         "seconds": round(seconds, 2)})
            print(f"sigma {sigma:<5} {name:<9} PSNR {psnr:6.2f} dB  SSIM {ssim:.4f}  {seconds:6.2f} s/volume",
                  flush=True)
    print(f"\n| noise sigma (of LR max) | {' | '.join(methods)} |\n|---|{'---|' * len(methods)}")
    for sigma in args.sigmas:
        cells = [next(f"{r['psnr']:.2f} / {r['ssim']:.4f}" for r in rows if r["sigma"] == sigma and r["method"] == m)
                 for m in methods]
        print(f"| {sigma} | {' | '.join(cells)} |")
    denoising = []
    for sigma in [s for s in args.sigmas if s > 0]:
        scores = {name: [] for name in ("noisy", "disgan", "l1-only")}
        for reference in blocks:
            noisy = rician(reference, sigma, rng)
            scores["noisy"].append(mri_psnr(noisy, reference))
            for name, net in (("disgan", nets["disgan"]), ("l1-only", nets["disgan_l1"])):
                scores[name].append(mri_psnr(super_resolve(net, noisy, (1, 1, 1), args.tile), reference))
        denoising.append({"sigma": sigma, **{k: round(float(np.mean(v)), 2) for k, v in scores.items()}})
    print("\n| noise sigma (scale=1, PSNR dB) | noisy | disgan | l1-only |\n|---|---|---|---|")
    for row in denoising:
        print(f"| {row['sigma']} | {row['noisy']:.2f} | {row['disgan']:.2f} | {row['l1-only']:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"size": args.size, "axes": args.axes, "blocks": len(blocks),
                                         "corners": CORNERS, "rows": rows, "denoising": denoising}, indent=1))


if __name__ == "__main__":
    main()
