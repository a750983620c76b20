"""Held-out benchmark of the learned MRI reconstructions (docs/domains/mri-learned.md).

Held-out data: axial slices of nilearn's MNI152 2009 T1 template (1 mm; evaluation only, never used to train or
tune), zero-padded to 256 x 256, each given a smooth random phase, 8 simulated coils
(:func:`denoisekit_mri.simulate.coil_maps`, rotated per slice) and 30 dB complex k-space noise, in fastMRI
layout; references are the RSS of the fully sampled noisy k-space; PSNR / SSIM / NMSE with the fastMRI
conventions (whole image, data range = the reference volume's max). Coil maps are ESPIRiT estimates from
the undersampled data (:func:`denoisekit_mri.espirit.estimate_maps`), with each pipeline's ESPIRiT defaults.

Parts (side by side in one run, times in seconds per slice on this machine):

- ``zs-ssl``: mri/zs-ssl with its defaults (its ESPIRiT maps included, timed with the fit) against
  mri/cs-wavelet and mri/sense with theirs, at 4x equispaced with 8 % centre lines and 8x random with 4 %
  centre lines (``--masks`` picks one of them).
- ``noise2recon``: the network trained with Noise2Recon against the same network trained supervised only
  (``--n2r`` and ``--supervised`` weights, benchmarks/mri_learned_train.py), CS beside them, at the training
  accelerations (4x, 8x), at unseen ones (6x, 10x random lines) and at 4x with extra complex k-space noise of
  std 0.02 and 0.05 of the image max (on the acquired samples); the drop is relative to 4x without extra noise.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_learned.py zs-ssl --slices 2
    # or one process per mask and slice, then the volume scores:
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_learned.py zs-ssl --masks "8x random 4%" --only 1 --save DIR
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_learned.py combine --slices 2 --save DIR
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_learned.py noise2recon \
        --n2r /tmp/mri-learned/n2r/weights.pt --supervised /tmp/mri-learned/sup/weights.pt
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.espirit import estimate_maps
from denoisekit_mri.masks import equispaced_lines, random_lines
from denoisekit_mri.metrics import mri_nmse, mri_psnr, mri_ssim
from denoisekit_mri.noise2recon_pipeline import load_network
from denoisekit_mri.reconstruction import cs_wavelet, sense
from denoisekit_mri.simulate import acquire, coil_maps, noise_sigma, rss_image, smooth_phase
from denoisekit_mri.zs_ssl import ZsSslSettings, fit_zs_ssl

SIZE = 256
SNR_DB = 30.0
SLICES = (70, 85, 100, 115)  # axial, through the ventricles and the cortex
SEED = 2026


def held_out(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Fully sampled 8-coil k-space (N, 8, 256, 256) and RSS references (N, 256, 256) of MNI152 axial slices."""
    from nilearn.datasets import load_mni152_template

    volume = np.asarray(load_mni152_template(resolution=1).get_fdata(), dtype=np.float64)
    rng = np.random.default_rng(SEED)
    kspace = []
    for z in SLICES[:count]:
        image = np.rot90(volume[:, :, z])
        padded = np.zeros((SIZE, SIZE))
        h, w = image.shape
        padded[(SIZE - h) // 2:(SIZE - h) // 2 + h, (SIZE - w) // 2:(SIZE - w) // 2 + w] = image
        x = padded / padded.max() * smooth_phase((SIZE, SIZE), rng)
        maps = coil_maps((SIZE, SIZE), 8, rotation=rng.uniform(0, 2 * np.pi))
        kspace.append(acquire(x, maps, noise_sigma(x, SNR_DB), rng))
    kspace = np.stack(kspace)
    return kspace, rss_image(kspace)


MASKS: dict[str, tuple[Callable, float, float]] = {
    "4x equispaced 8%": (equispaced_lines, 4, 0.08), "8x random 4%": (random_lines, 8, 0.04),
    "6x random 5%": (random_lines, 6, 0.053), "10x random 3%": (random_lines, 10, 0.032)}


def undersample(full: np.ndarray, name: str, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(k-space (C, H, W) zero off the mask, mask (1, H, W)) for mask ``name`` drawn with ``seed``."""
    function, accel, centre = MASKS[name]
    lines, _ = function(full.shape[-1], accel, centre, np.random.default_rng(seed))
    mask = torch.from_numpy(lines.astype(np.float32))[None, None, :].expand(1, full.shape[-2], full.shape[-1])
    return torch.from_numpy(full) * mask, mask.contiguous()


def scores(images: list[np.ndarray], references: np.ndarray) -> dict[str, float]:
    est = np.stack(images)
    return {"psnr": round(mri_psnr(est, references), 2), "ssim": round(mri_ssim(est, references), 4),
            "nmse": round(mri_nmse(est, references), 5)}


def baselines(y: torch.Tensor, mask: torch.Tensor) -> dict[str, tuple[np.ndarray, float]]:
    """mri/cs-wavelet and mri/sense with their pipelines' defaults (options read from their records: ESPIRiT
    maps, FISTA / CG iterations, lam, Tikhonov, wavelet), each timed with its own ESPIRiT step."""
    from denoisekit_mri.reconstruction_records import CS_OPTIONS, SENSE_OPTIONS

    cs = {o.name: o.default for o in CS_OPTIONS}
    cg = {o.name: o.default for o in SENSE_OPTIONS}
    out = {}
    for method, config in (("cs-wavelet", cs), ("sense", cg)):
        start = time.perf_counter()
        maps = estimate_maps(y[None], mask[None], calibration=config["calibration"], kernel=config["kernel"],
                             threshold=config["threshold"], crop=config["crop"])[0]
        op = MultiCoilCartesian(maps[None], mask[None])
        if method == "cs-wavelet":
            lipschitz = float(torch.sum(maps.abs() ** 2, dim=0).amax().clamp_min(1e-12))
            image = cs_wavelet(op, y[None], config["lam"], config["iterations"], config["levels"], config["moments"],
                               lipschitz, config["tikhonov"])
        else:
            image = sense(op, y[None], config["iterations"], config["tikhonov"])
        out[method] = (image[0].abs().numpy(), time.perf_counter() - start)
    return out


def run_zs_ssl(count: int, masks: list[str], only: int | None = None, save: Path | None = None) -> None:
    """Every method on ``count`` held-out slices per mask; ``only``: slice ``only`` alone, its images and
    times written under ``save`` (to run slices in parallel and score the volume with ``combine``)."""
    from denoisekit_mri.learned_records import ZS_SSL_OPTIONS

    defaults = {o.name: o.default for o in ZS_SSL_OPTIONS}
    settings = ZsSslSettings(**{k: defaults[k] for k in ZsSslSettings.__dataclass_fields__})
    espirit = {k: defaults[k] for k in ("calibration", "kernel", "threshold", "crop")}
    full, references = held_out(count)
    for name in masks:
        images: dict[str, list[np.ndarray]] = {}
        seconds: dict[str, list[float]] = {}
        fits = []
        for i in range(count) if only is None else (only,):
            y, mask = undersample(full[i], name, SEED + i)
            for method, (image, t) in baselines(y, mask).items():
                images.setdefault(method, []).append(image)
                seconds.setdefault(method, []).append(t)
            start = time.perf_counter()
            maps = estimate_maps(y[None], mask[None], **espirit)[0]
            fit = fit_zs_ssl(y, maps, mask[0], settings, torch.Generator().manual_seed(i))
            seconds.setdefault("zs-ssl", []).append(time.perf_counter() - start)
            images.setdefault("zs-ssl", []).append(fit.image[0].abs().numpy())
            fits.append({"best_epoch": fit.best_epoch, "epochs": fit.epochs, "steps": fit.steps})
            print(json.dumps({"part": "zs-ssl", "mask": name, "slice": i, "fit": fits[-1],
                              "psnr_this_slice": {m: round(mri_psnr(v[-1], references[i]), 2)
                                                  for m, v in images.items()}}), flush=True)
        if save is not None:
            save.mkdir(parents=True, exist_ok=True)
            np.savez(save / f"{name.replace(' ', '_')}-{only}.npz", slice=only,
                     **{m: v[0] for m, v in images.items()}, **{f"seconds {m}": v[0] for m, v in seconds.items()})
            continue
        report(name, images, seconds, references[:count])


def report(name: str, images: dict[str, list[np.ndarray]], seconds: dict[str, list[float]],
           references: np.ndarray) -> None:
    for method in images:
        print(json.dumps({"part": "zs-ssl", "mask": name, "method": method, "slices": len(references),
                          **scores(images[method], references),
                          "seconds_per_slice": round(float(np.mean(seconds[method])), 1)}), flush=True)


def combine(folder: Path, count: int) -> None:
    """The volume scores of the per-slice runs saved under ``folder`` (slices 0 .. count - 1 of each mask)."""
    _, references = held_out(count)
    for name in MASKS:
        files = [folder / f"{name.replace(' ', '_')}-{i}.npz" for i in range(count)]
        if not all(f.is_file() for f in files):
            continue
        runs = [np.load(f) for f in files]
        methods = [k for k in runs[0].files if k != "slice" and not k.startswith("seconds ")]
        report(name, {m: [r[m] for r in runs] for m in methods},
               {m: [float(r[f"seconds {m}"]) for r in runs] for m in methods}, references)


def run_noise2recon(count: int, n2r: str, supervised: str) -> None:
    nets = {"noise2recon": load_network(n2r)[0].eval(), "supervised": load_network(supervised)[0].eval()}
    full, references = held_out(count)
    conditions = [("4x equispaced 8%", 0.0), ("8x random 4%", 0.0), ("6x random 5%", 0.0), ("10x random 3%", 0.0),
                  ("4x equispaced 8%", 0.02), ("4x equispaced 8%", 0.05)]
    baseline: dict[str, float] = {}
    for name, sigma in conditions:
        images: dict[str, list[np.ndarray]] = {}
        seconds: dict[str, list[float]] = {}
        for i in range(count):
            y, mask = undersample(full[i], name, SEED + i)
            if sigma > 0:
                g = torch.Generator().manual_seed(SEED + 100 + i)
                noise = torch.randn(y.shape, generator=g, dtype=y.dtype) * sigma * float(references[i].max())
                y = y + noise * mask
            maps = estimate_maps(y[None], mask[None])[0]
            op = MultiCoilCartesian(maps[None], mask[None])
            for method, net in nets.items():
                start = time.perf_counter()
                with torch.no_grad():
                    images.setdefault(method, []).append(net(y[None], op)[0].abs().numpy())
                seconds.setdefault(method, []).append(time.perf_counter() - start)
            image, t = baselines(y, mask)["cs-wavelet"]
            images.setdefault("cs-wavelet", []).append(image)
            seconds.setdefault("cs-wavelet", []).append(t)
        for method in images:
            result = scores(images[method], references[:count])
            if name.startswith("4x") and sigma == 0:
                baseline[method] = result["psnr"]
            print(json.dumps({"part": "noise2recon", "mask": name, "extra_noise": sigma, "method": method,
                              "slices": count, **result, "drop_db": round(baseline[method] - result["psnr"], 2),
                              "seconds_per_slice": round(float(np.mean(seconds[method])), 2)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("zs-ssl", "noise2recon", "combine"))
    parser.add_argument("--slices", type=int, default=2, help=f"held-out slices (at most {len(SLICES)})")
    parser.add_argument("--masks", default="4x equispaced 8%,8x random 4%", help="zs-ssl part: masks to run")
    parser.add_argument("--only", type=int, default=None, help="zs-ssl part: this held-out slice alone (with --save)")
    parser.add_argument("--save", type=Path, default=None, help="zs-ssl part with --only: folder for its images; "
                                                                  "combine: the folder to score")
    parser.add_argument("--n2r", default="", help="noise2recon weights ('' = the shipped ones)")
    parser.add_argument("--supervised", default="", help="weights of the supervised-only training")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if (args.only is None) != (args.save is None) and args.part == "zs-ssl":
        parser.error("--only and --save go together")
    if args.part == "zs-ssl":
        run_zs_ssl(min(args.slices, len(SLICES)), args.masks.split(","), args.only, args.save)
    elif args.part == "combine":
        combine(args.save, min(args.slices, len(SLICES)))
    else:
        run_noise2recon(min(args.slices, len(SLICES)), args.n2r, args.supervised)


if __name__ == "__main__":
    main()
