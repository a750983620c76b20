"""Tune mri/zs-ssl's defaults against mri/cs-wavelet on the tuning slices only (docs/domains/mri-learned.md).

Tuning data: the two 256 x 256 8-coil slices of the mri-sample (pydicom-data's MR2_UNCR and
MR-SIEMENS-DICOM-WithOverlays, simulated coils, 30 dB; :func:`mri_tune.tuning_slices`), undersampled at 4x
equispaced (8 % centre lines) and 8x random (4 % centre lines) with mask seeds 100 + slice; ESPIRiT maps from
the undersampled data. nilearn's MNI152 (benchmarks/mri_learned.py) is held out and never read here.
Each (mask, slice) prints one JSON line with zs-ssl (the given settings, defaults otherwise), mri/cs-wavelet and
mri/sense (both with their defaults), PSNR / SSIM / NMSE in fastMRI conventions, the fit's epochs and seconds.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_zs_tune.py --set start=cs --set mu=1 --set lr=0.001 [--crop 0.95]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch
from denoisekit_mri.espirit import estimate_maps
from denoisekit_mri.learned_records import ZS_SSL_OPTIONS
from denoisekit_mri.masks import equispaced_lines, random_lines
from denoisekit_mri.metrics import mri_nmse, mri_psnr, mri_ssim
from denoisekit_mri.zs_ssl import ZsSslSettings, fit_zs_ssl
from mri_learned import baselines
from mri_tune import tuning_slices

MASKS = {"4x-equispaced": (equispaced_lines, 4, 0.08), "8x-random": (random_lines, 8, 0.04)}


def settings_from(pairs: list[str]) -> ZsSslSettings:
    """The pipeline's defaults (its record), overridden by ``key=value`` pairs."""
    values = {o.name: o.default for o in ZS_SSL_OPTIONS if o.name in ZsSslSettings.__dataclass_fields__}
    types = {f.name: type(values[f.name]) for f in fields(ZsSslSettings)}
    for pair in pairs:
        key, _, text = pair.partition("=")
        values[key] = types[key](text)
    return ZsSslSettings(**values)


def metrics(image: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    return {"psnr": round(mri_psnr(image, reference), 2), "ssim": round(mri_ssim(image, reference), 4),
            "nmse": round(mri_nmse(image, reference), 5)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=Path("/tmp/mri-sample"))
    parser.add_argument("--set", action="append", default=[], help="a ZsSslSettings field, key=value")
    parser.add_argument("--masks", default=",".join(MASKS))
    parser.add_argument("--slices", default="0,1")
    parser.add_argument("--crop", type=float, default=None, help="ESPIRiT crop of zs-ssl's maps (default: record's)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    settings = settings_from(args.set)
    espirit = {o.name: o.default for o in ZS_SSL_OPTIONS if o.name in ("calibration", "kernel", "threshold", "crop")}
    crop = {} if args.crop is None else {"crop": args.crop}
    full, references = tuning_slices(args.sample)
    for name in args.masks.split(","):
        function, accel, centre = MASKS[name]
        for i in (int(s) for s in args.slices.split(",")):
            lines, _ = function(full.shape[-1], accel, centre, np.random.default_rng(100 + i))
            mask = torch.from_numpy(lines).float()[None, None, :].expand(1, *full.shape[-2:]).contiguous()
            y = torch.from_numpy(full[i]) * mask
            row = {m: metrics(image, references[i]) for m, (image, _) in baselines(y, mask).items()}
            maps = estimate_maps(y[None], mask[None], **{**espirit, **crop})[0]
            start = time.perf_counter()
            fit = fit_zs_ssl(y, maps, mask[0], settings, torch.Generator().manual_seed(0))
            row["zs-ssl"] = metrics(fit.image[0].abs().numpy(), references[i])
            print(json.dumps({"mask": name, "slice": i, "settings": args.set, **crop, **row,
                              "seconds": round(time.perf_counter() - start, 1), "steps": fit.steps,
                              "epochs": fit.epochs, "best_epoch": fit.best_epoch,
                              "validation": [round(v, 4) for v in fit.validation_loss]}), flush=True)


if __name__ == "__main__":
    main()
