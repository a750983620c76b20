"""Held-out benchmark of mri/diffusion-posterior against mri/cs-wavelet (both with their defaults, same ESPIRiT
maps) at 4x equispaced (8 % centre) and 8x random (4 % centre) line masks; PSNR / SSIM with fastMRI's conventions
(whole image, range = the volume's max, against the RSS of the fully sampled noisy k-space) and seconds per slice
on one thread.

Held-out data: nilearn's MNI152 T1 template, the 8-coil builder of benchmarks/mri_baselines.py (transposed,
256 x 256, coils at distance 1.5 rotated by 0.3 rad, 25 dB): the prior never saw it (it was trained on
pydicom-data images, benchmarks/mri_posterior_train.py) and the defaults were chosen on the mri-sample slices
(benchmarks/mri_posterior_tune.py).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_posterior.py [--slices 50 70 90 110] [--weights FILE] \
        [--set sampler=dps ...]

Needs the plugin's ``bench`` extra (nilearn).
"""

from __future__ import annotations

import argparse
import platform
import time
from typing import Any

import numpy as np
import torch
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.espirit import estimate_maps
from denoisekit_mri.metrics import mri_psnr, mri_ssim
from denoisekit_mri.posterior import load_prior, reconstruct
from denoisekit_mri.posterior_records import POSTERIOR_OPTIONS
from denoisekit_mri.reconstruction import cs_wavelet
from denoisekit_mri.reconstruction_records import CS_OPTIONS
from mri_baselines import MASKS, mni_volume, simulate

from denoisekit.api import RunContext

DEFAULTS = {o.name: o.default for o in POSTERIOR_OPTIONS}
CS_DEFAULTS = {o.name: o.default for o in CS_OPTIONS}


def parse_settings(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs over the pipeline's defaults, each value typed like its default."""
    config = dict(DEFAULTS)
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in config:
            raise SystemExit(f"unknown option {key!r} (options: {', '.join(config)})")
        config[key] = type(config[key])(value)
    return config


def maps_of(y: torch.Tensor, mask: torch.Tensor, config: dict[str, Any]) -> torch.Tensor:
    """ESPIRiT maps with the options' calibration settings (those of both pipelines)."""
    return estimate_maps(y, mask, calibration=config["calibration"], kernel=config["kernel"],
                         threshold=config["threshold"], crop=config["crop"])


def posterior_slices(y: torch.Tensor, mask: torch.Tensor, config: dict[str, Any], seed: int = 0) -> tuple[
        np.ndarray, float]:
    """mri/diffusion-posterior on each slice of ``y`` (N, C, H, W): magnitudes (N, H, W) and seconds per slice
    (coil maps included)."""
    prior = load_prior(str(config["weights"]))[0].eval().requires_grad_(False)
    start = time.perf_counter()
    maps = maps_of(y, mask, config)
    out = []
    for i in range(y.shape[0]):
        ctx = RunContext(device=torch.device("cpu"), seed=seed + i, show_progress=False)
        op = MultiCoilCartesian(maps[i], mask)
        x, _ = reconstruct(prior, op, y[i:i + 1], config, ctx, ctx.generator())
        out.append(x[0].abs().numpy())
    return np.stack(out), (time.perf_counter() - start) / y.shape[0]


def cs_slices(y: torch.Tensor, mask: torch.Tensor) -> tuple[np.ndarray, float]:
    """mri/cs-wavelet with its defaults on each slice: magnitudes and seconds per slice (coil maps included)."""
    cs = CS_DEFAULTS
    start = time.perf_counter()
    maps = maps_of(y, mask, cs)
    op = MultiCoilCartesian(maps, mask)
    lipschitz = float(torch.sum(maps.abs() ** 2, dim=1).amax())
    image = cs_wavelet(op, y, cs["lam"], cs["iterations"], cs["levels"], cs["moments"], lipschitz, cs["tikhonov"])
    return image.abs().numpy(), (time.perf_counter() - start) / y.shape[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, nargs="+", default=[50, 70, 90, 110])
    parser.add_argument("--snr", type=float, default=25.0, help="k-space SNR in dB")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="a diffusion-posterior option (repeatable); the others keep their defaults")
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = parse_settings(args.settings)
    full, reference = simulate(mni_volume(args.slices), args.snr)
    changed = {k: v for k, v in config.items() if v != DEFAULTS[k]}
    print(f"MNI152 T1 1 mm, axial slices {args.slices}, 256 x 256, 8 coils, {args.snr:g} dB; one thread, "
          f"{platform.processor() or platform.machine()}; diffusion-posterior defaults{' + ' if changed else ''}"
          f"{changed or ''}")
    for kind, (fn, accel, cf) in MASKS.items():
        mask_np, measured = fn(256, accel, cf, np.random.default_rng(11))
        mask = torch.from_numpy(mask_np.astype(np.float32))[None, None, None]
        y = torch.from_numpy(full) * mask
        results = {"mri/cs-wavelet (defaults)": cs_slices(y, mask),
                   f"mri/diffusion-posterior ({config['sampler']}, {config['iterations']} steps)":
                       posterior_slices(y, mask, config)}
        print(f"\n{kind} (measured {measured:.2f}x)")
        print("| method | PSNR (dB) | SSIM | s / slice |\n|---|---|---|---|")
        for name, (image, seconds) in results.items():
            print(f"| {name} | {mri_psnr(image, reference):.2f} | {mri_ssim(image, reference):.4f} | "
                  f"{seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
