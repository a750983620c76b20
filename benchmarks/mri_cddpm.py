"""Benchmark of mri/cddpm-dc (docs/domains/mri-cddpm.md). One JSON line per result on stdout.

Parts:

- ``tune``: the sampler's options (steps, hard / soft DC and its weight) on the tuning set: the two 256 x 256
  8-coil slices of the mri-sample (pydicom-data MR images, the training images' sources), at 4x equispaced (8 %
  centre) and 8x random (4 %). The pipeline's defaults are the best here.
- ``main``: held-out nilearn MNI152 slices from :func:`mri_baselines.mni_volume` / :func:`mri_baselines.simulate`
  (transposed, 8 coils farther out and rotated, 25 dB), at mri_baselines' two masks: mri/cddpm-dc with its
  defaults against mri/cs-wavelet with its defaults and sigpy's L1WaveletRecon (ESPIRiT maps), side by side.
- ``robustness``: on the same held-out slices, the shipped network (trained on 4-10x equispaced / random masks)
  against the same network trained on one fixed 4x equispaced mask (``--fixed``,
  benchmarks/mri_cddpm_train.py), both sampled with the pipeline's defaults, at 4x equispaced 8 %, at
  unseen masks (6x random 5 %, 10x random 3 %) and at 4x with extra complex k-space noise of std 0.02 and 0.05
  of the image max on the acquired samples; the drop is relative to 4x without extra noise; CS beside them.

PSNR / SSIM with fastMRI's conventions (whole image, range = the reference volume's max; references: RSS of the
fully sampled noisy k-space); seconds per slice on one thread. Coil maps: ESPIRiT from the undersampled data.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_cddpm.py tune --slices 0 \
        --grid steps=10,20 clip=1 cg_iterations=5 dc=hard,soft dc_weight=10
    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/mri_cddpm.py main --slices 70 90
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_cddpm.py robustness --slices 70 90 \
        --fixed /tmp/mri-cddpm/fixed/weights.pt
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from denoisekit_mri.cddpm_pipeline import load_network, reconstruct
from denoisekit_mri.cddpm_records import CDDPM_OPTIONS
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.espirit import estimate_maps
from denoisekit_mri.masks import equispaced_lines, random_lines
from denoisekit_mri.metrics import mri_psnr, mri_ssim
from denoisekit_mri.reconstruction import cs_wavelet
from denoisekit_mri.reconstruction_records import CS_OPTIONS

sys.path.insert(0, str(Path(__file__).parent))
from mri_baselines import MASKS, SIGPY_LAMBDA, mni_volume, sigpy_l1, simulate  # noqa: E402

DEFAULTS = {o.name: o.default for o in CDDPM_OPTIONS}
ROBUSTNESS = {"4x equispaced, 8% centre": MASKS["4x equispaced, 8% centre"], "6x random, 5% centre":
              (random_lines, 6, 0.053), "10x random, 3% centre": (random_lines, 10, 0.032)}
SEED = 11


def undersample(full: np.ndarray, mask_spec: tuple, seed: int) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """(k-space (N, C, H, W) zero off the mask, mask (1, 1, 1, W), the (W,) lines) for the volume ``full``."""
    function, accel, centre = mask_spec
    lines, _ = function(full.shape[-1], accel, centre, np.random.default_rng(seed))
    mask = torch.from_numpy(lines.astype(np.float32))[None, None, None]
    return torch.from_numpy(full) * mask, mask, lines


def cddpm(net, y: torch.Tensor, mask: torch.Tensor, config: dict) -> tuple[np.ndarray, float]:
    """mri/cddpm-dc per slice (ESPIRiT maps with the pipeline's defaults, seed 0 per slice), timed."""
    start = time.perf_counter()
    maps = estimate_maps(y, mask)
    out = []
    for i in range(y.shape[0]):
        op = MultiCoilCartesian(maps[i], mask[0])
        out.append(reconstruct(net, y[i:i + 1], op, config, torch.Generator().manual_seed(i))[0].abs().numpy())
    return np.stack(out), (time.perf_counter() - start) / y.shape[0]


def cs(y: torch.Tensor, mask: torch.Tensor) -> tuple[np.ndarray, float]:
    """mri/cs-wavelet with its pipeline's defaults (read from its record), timed per slice."""
    c = {o.name: o.default for o in CS_OPTIONS}
    start = time.perf_counter()
    maps = estimate_maps(y, mask, calibration=c["calibration"], kernel=c["kernel"], threshold=c["threshold"],
                         crop=c["crop"])
    op = MultiCoilCartesian(maps, mask)
    lipschitz = float(torch.sum(maps.abs() ** 2, dim=1).amax().clamp_min(1e-12))
    image = cs_wavelet(op, y, c["lam"], c["iterations"], c["levels"], c["moments"], lipschitz, c["tikhonov"])
    return image.abs().numpy(), (time.perf_counter() - start) / y.shape[0]


def emit(**row) -> None:
    print(json.dumps(row), flush=True)


def scores(image: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    return {"psnr": round(mri_psnr(image, reference), 2), "ssim": round(mri_ssim(image, reference), 4)}


def tune(slices: list[int], grid: list[str], weights: str) -> None:
    from mri_tune import tuning_slices

    full, reference = (part[slices] for part in tuning_slices(Path("/tmp/mri-sample")))
    net = load_network(weights)[0].eval()
    axes = [(key, values.split(",")) for key, values in (g.split("=") for g in grid)]
    masks = {"4x equispaced": (equispaced_lines, 4, 0.08), "8x random": (random_lines, 8, 0.04)}
    for name, spec in masks.items():
        y, mask, _ = undersample(full, spec, SEED)
        seen = set()
        for values in itertools.product(*(v for _, v in axes)):
            config = {**DEFAULTS, **{k: type(DEFAULTS[k])(v) for (k, _), v in zip(axes, values, strict=True)}}
            if config["dc"] == "hard":
                config["dc_weight"] = DEFAULTS["dc_weight"]  # the weight matters only for soft DC
            key = tuple(config[k] for k, _ in axes)
            if key in seen:
                continue
            seen.add(key)
            image, seconds = cddpm(net, y, mask, config)
            emit(part="tune", mask=name, slices=slices, **{k: config[k] for k, _ in axes},
                 **scores(image, reference), seconds_per_slice=round(seconds, 1))


def main_part(slices: list[int], snr: float, no_sigpy: bool) -> None:
    full, reference = simulate(mni_volume(slices), snr)
    net = load_network("")[0].eval()
    for name, spec in MASKS.items():
        y, mask, lines = undersample(full, spec, SEED)
        results = {"mri/cddpm-dc (defaults)": cddpm(net, y, mask, DEFAULTS),
                   "mri/cs-wavelet (defaults)": cs(y, mask)}
        if not no_sigpy:
            start = time.perf_counter()
            image = np.stack([sigpy_l1(s.numpy(), lines, SIGPY_LAMBDA) for s in y])
            results["sigpy L1WaveletRecon"] = (image, (time.perf_counter() - start) / len(slices))
        for method, (image, seconds) in results.items():
            emit(part="main", mask=name, method=method, slices=slices, snr_db=snr, **scores(image, reference),
                 seconds_per_slice=round(seconds, 1))


def robustness(slices: list[int], snr: float, fixed: str) -> None:
    full, reference = simulate(mni_volume(slices), snr)
    nets = {"cddpm-dc (4-10x mixed masks, shipped)": load_network("")[0].eval(),
            "cddpm-dc (fixed 4x mask)": load_network(fixed)[0].eval()}
    conditions = [(name, 0.0) for name in ROBUSTNESS] + [("4x equispaced, 8% centre", s) for s in (0.02, 0.05)]
    clean: dict[str, float] = {}
    for name, sigma in conditions:
        y, mask, _ = undersample(full, ROBUSTNESS[name], SEED)
        if sigma > 0:
            g = torch.Generator().manual_seed(SEED + 100)
            noise = torch.randn(y.shape, generator=g, dtype=y.dtype) * sigma * float(reference.max())
            y = y + noise * mask
        results = {method: cddpm(net, y, mask, DEFAULTS) for method, net in nets.items()}
        results["mri/cs-wavelet (defaults)"] = cs(y, mask)
        for method, (image, seconds) in results.items():
            row = scores(image, reference)
            if sigma == 0 and name.startswith("4x"):
                clean[method] = row["psnr"]
            emit(part="robustness", mask=name, extra_noise=sigma, method=method, slices=slices, **row,
                 drop_db=round(clean[method] - row["psnr"], 2), seconds_per_slice=round(seconds, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("tune", "main", "robustness"))
    parser.add_argument("--slices", type=int, nargs="+", default=None,
                        help="tune: mri-sample slice indices (default 0 1); else MNI152 axial slices (70 90)")
    parser.add_argument("--snr", type=float, default=25.0, help="held-out k-space SNR in dB (mri_baselines')")
    parser.add_argument("--grid", nargs="*", default=["steps=10,20", "dc=hard,soft", "dc_weight=1,10"])
    parser.add_argument("--weights", default="", help="tune: network weights ('' = the shipped ones)")
    parser.add_argument("--fixed", default="/tmp/mri-cddpm/fixed/weights.pt",
                        help="robustness: weights of the fixed-4x-mask network")
    parser.add_argument("--no-sigpy", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.part == "tune":
        tune(args.slices or [0, 1], args.grid, args.weights)
    elif args.part == "main":
        main_part(args.slices or [70, 90], args.snr, args.no_sigpy)
    else:
        robustness(args.slices or [70, 90], args.snr, args.fixed)


if __name__ == "__main__":
    main()
