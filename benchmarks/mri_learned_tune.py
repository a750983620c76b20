"""Tune mri/zs-ssl's defaults on the tuning set: the two 256 x 256 8-coil slices of the mri-sample
(pydicom-data MR images; never nilearn's MNI152, which is held out for benchmarks/mri_learned.py).

Each slice is undersampled here at 4x (equispaced, 8 % centre) and 8x (random, 4 % centre), coil maps are
ESPIRiT estimates from the data, and the reconstruction is scored against the fully sampled RSS with the
fastMRI conventions. One line per (setting, slice, mask) goes to stdout as JSON.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_learned_tune.py --sample /tmp/mri-sample \
        --set iterations=150 --set lr=0.003 ...
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.espirit import estimate_maps
from denoisekit_mri.masks import equispaced_lines, random_lines
from denoisekit_mri.metrics import mri_psnr, mri_ssim
from denoisekit_mri.unrolled import data_consistency
from denoisekit_mri.zs_ssl import ZsSslSettings, fit_zs_ssl
from mri_tune import tuning_slices

MASKS = {"4x-equispaced": (equispaced_lines, 4, 0.08), "8x-random": (random_lines, 8, 0.04)}


def parse_settings(pairs: list[str]) -> ZsSslSettings:
    fields = ZsSslSettings.__dataclass_fields__
    values = {}
    for pair in pairs:
        key, _, text = pair.partition("=")
        values[key] = int(text) if fields[key].type == "int" else float(text)
    return ZsSslSettings(**values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=Path("/tmp/mri-sample"))
    parser.add_argument("--set", action="append", default=[], help="a ZsSslSettings field, key=value")
    parser.add_argument("--masks", default=",".join(MASKS))
    parser.add_argument("--slices", default="0,1")
    args = parser.parse_args()
    torch.set_num_threads(1)
    settings = parse_settings(args.set)
    full, references = tuning_slices(args.sample)
    for name in args.masks.split(","):
        function, accel, centre = MASKS[name]
        for i in (int(s) for s in args.slices.split(",")):
            lines, _ = function(full.shape[-1], accel, centre, np.random.default_rng(100 + i))
            h, w = full.shape[-2:]
            omega = torch.from_numpy(lines).float()[None, :].expand(h, w).contiguous()
            y = torch.from_numpy(full[i]) * omega
            maps = estimate_maps(y[None], omega[None, None])[0]
            op = MultiCoilCartesian(maps, omega)
            b = op.A_adjoint(y[None])
            sense = data_consistency(op, b, torch.zeros_like(b), 1e-3, 30)[0].abs().numpy()
            start = time.perf_counter()
            fit = fit_zs_ssl(y, maps, omega, settings, torch.Generator().manual_seed(0))
            seconds = time.perf_counter() - start
            image = fit.image[0].abs().numpy()
            ref = references[i]
            print(json.dumps({"mask": name, "slice": i, "settings": settings.__dict__,
                              "psnr": round(mri_psnr(image, ref), 2), "ssim": round(mri_ssim(image, ref), 4),
                              "cg_sense_psnr": round(mri_psnr(sense, ref), 2),
                              "seconds": round(seconds, 1), "steps": fit.steps, "epochs": fit.epochs,
                              "best_epoch": fit.best_epoch,
                              "validation": [round(v, 4) for v in fit.validation_loss]}), flush=True)


if __name__ == "__main__":
    main()
