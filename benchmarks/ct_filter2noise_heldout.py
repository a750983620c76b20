"""ct/filter2noise against non-local means with a noise level measured on the input, on a tuning set and
on a held-out set of real CT slices at several doses, 512x512 slices and 128x128 images.

The split (sources: every single-frame anatomical CT slice that ships offline, in pydicom and pydicom-data):
  * tuning set: pydicom-data's 693_UNCR.dcm (NEMA WG04 head CT, the ct-sample's slice, on which
    Filter2Noise was developed): the whole slice and 128x128 crops of it. Defaults and NLM's h factor
    are chosen here only.
  * held-out set (never used to choose anything): pydicom-data's J2K_pixelrep_mismatch.dcm (a head CT
    at the skull base, another scanner, 0.431 mm pixels) and explicit_VR-UN.dcm (an abdominal CT,
    0.859 mm pixels), each whole and as 128x128 crops, and pydicom's CT_small.dcm (a real 128x128 GE
    slice of the neck, 0.661 mm pixels).
  (eCT_Supplemental.dcm is a perfusion map, not an anatomical slice, and 693_J2KI/J2KR/UNCI are copies of
  693_UNCR: none is used.)

Low dose: denoisekit_ct.lowdose.simulate_low_dose (Poisson + electronic noise, parallel beam, 720 views,
Hann FBP, noise inserted so the full-dose slice is the exact target), at each I0 of --doses, noise seed
--seed. 512x512 slices are simulated whole; the 128x128 crops are cut from the simulated slice (so their
noise is that of a whole body's rays), at fixed corners: every 128x128 tile of a grid offset by 64 pixels
that lies at least half inside the body (> -500 HU), the first --crops of them in row-major order.
CT_small.dcm, which is only 128x128, is simulated as it is (its rays cross only what the image shows, so
the same I0 gives less noise: --small-doses sets its I0s).

Methods: ct/filter2noise with its defaults, and any --f2n variants "key=value,..." (with nlm_candidate=true the
cell also names SURE's pick per case: filter2noise or nlm); scikit-image
denoise_nl_means (fast mode, its default patch 7 / distance 11; denoisekit_ct.filter2noise.nlm_candidate, the same
NLM that nlm_candidate ranks) with h = k sigma, sigma the standard
deviation of the noisy input in its most uniform 32x32 window inside the body (ct_metrics.uniform_window on
the input: no reference involved), k in --nlm-k; with --oracle also NLM with h picked against the
reference. Metrics: ct_psnr / ct_ssim ([-160, 240] HU, RED-CNN convention, data range 400).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ct_filter2noise_heldout.py --set tuning \
        [--doses 25000,10000,5000] [--crops 4] [--no-whole] [--f2n "range_patch=0,strength=fit"] [--nlm-k 1.5,1.8]
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ct_filter2noise import parse_variant, run_pipeline  # the sibling benchmark (benchmarks/ is on sys.path)

TUNING = ("693_UNCR.dcm",)
HELD_OUT = ("J2K_pixelrep_mismatch.dcm", "explicit_VR-UN.dcm")
SMALL_HELD_OUT = "CT_small.dcm"
CROP, GRID_OFFSET, BODY_FRACTION = 128, 64, 0.5
CACHE = Path(os.environ.get("DK_CT_BENCH_CACHE", "/tmp/dk-ct-heldout"))


@dataclass(frozen=True)
class Case:
    name: str
    reference: np.ndarray
    noisy: np.ndarray
    i0: float


@functools.cache
def load(name: str) -> tuple[np.ndarray, float]:
    """HU (float32) of a pydicom(-data) CT slice, outside the field of view set to air, and its pixel size."""
    import pydicom
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file(name))
    hu = ds.pixel_array.astype(np.float32) * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
    return np.where(hu < -1024, -1000, hu).astype(np.float32), float(ds.PixelSpacing[0])


def simulated(name: str, i0: float, seed: int) -> np.ndarray:
    """The low-dose slice of ``name`` at ``i0`` (cached in CACHE)."""
    from denoisekit_ct.lowdose import simulate_low_dose

    path = CACHE / f"{Path(name).stem}_i0_{int(i0)}_seed_{seed}.npy"
    if path.exists():
        return np.load(path)
    hu, pixel = load(name)
    noisy = simulate_low_dose(hu, i0, views=720, pixel_size=pixel, filter="hann", seed=seed, device="cpu")
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, noisy)
    return noisy


def crop_corners(hu: np.ndarray, count: int) -> list[tuple[int, int]]:
    h, w = hu.shape
    corners = []
    for top in range(GRID_OFFSET, h - CROP + 1, CROP):
        for left in range(GRID_OFFSET, w - CROP + 1, CROP):
            if (hu[top:top + CROP, left:left + CROP] > -500).mean() >= BODY_FRACTION:
                corners.append((top, left))
    return corners[:count]


def cases(names: tuple[str, ...], doses: list[float], seed: int, crops: int, whole: bool,
          small: str | None, small_doses: list[float]) -> list[Case]:
    out = []
    for name in names:
        hu, _ = load(name)
        stem = Path(name).stem
        for i0 in doses:
            noisy = simulated(name, i0, seed)
            if whole:
                out.append(Case(f"{stem} 512", hu, noisy, i0))
            for top, left in crop_corners(hu, crops):
                window = (slice(top, top + CROP), slice(left, left + CROP))
                out.append(Case(f"{stem} crop ({top},{left})", hu[window], noisy[window], i0))
    if small:
        hu, _ = load(small)
        out += [Case(f"{Path(small).stem} 128", hu, simulated(small, i0, seed), i0) for i0 in small_doses]
    return out


def flat_sigma(noisy: np.ndarray) -> float:
    """Noise std (HU) of the noisy input in its own most uniform 32x32 window inside the body."""
    from denoisekit_ct.filter2noise.nlm_candidate import flat_sigma

    return flat_sigma(noisy)


def nlm(noisy: np.ndarray, h_hu: float) -> np.ndarray:
    """The peer: the NLM that ``nlm_candidate`` ranks (7/11, fast mode), h in HU."""
    from denoisekit_ct.filter2noise.nlm_candidate import nlm_hu

    return nlm_hu(noisy, h_hu)


def filter2noise(noisy: np.ndarray, overrides: dict, seed: int = 0) -> tuple[np.ndarray, str]:
    """The pipeline's output and, with ``nlm_candidate``, which candidate SURE picked ("" otherwise)."""
    from denoisekit.sample import Sample

    out, _, notes = run_pipeline("filter2noise", Sample(noisy, "HW", "npy", {}), overrides, seed)
    return out, ",".join(notes.get("sure_pick", []))


def scores(estimate: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    from denoisekit_ct.ct_metrics import ct_psnr, ct_ssim

    return float(ct_psnr(estimate, reference)), float(ct_ssim(estimate, reference))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("tuning", "held-out"), required=True)
    parser.add_argument("--doses", default="25000,10000,5000")
    parser.add_argument("--small-doses", default="5000,2000,1000")
    parser.add_argument("--seed", type=int, default=0, help="noise seed of the simulation")
    parser.add_argument("--crops", type=int, default=4)
    parser.add_argument("--no-whole", action="store_true", help="only the 128x128 images")
    parser.add_argument("--no-defaults", action="store_true", help="skip ct/filter2noise with its defaults")
    parser.add_argument("--f2n", action="append", default=[], help="Filter2Noise variant 'key=value,...'")
    parser.add_argument("--nlm-k", default="1.8", help="h = k * sigma of the flat region, comma-separated k")
    parser.add_argument("--oracle", action="store_true", help="also NLM with h picked against the reference")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    names = TUNING if args.set == "tuning" else HELD_OUT
    small = None if args.set == "tuning" else SMALL_HELD_OUT
    doses = [float(d) for d in args.doses.split(",")]
    small_doses = [float(d) for d in args.small_doses.split(",")]
    variants = ([] if args.no_defaults else [("defaults", {})]) + [(v, parse_variant(v)) for v in args.f2n]
    ks = [float(k) for k in args.nlm_k.split(",")]
    print(f"load average before: {', '.join(f'{v:.1f}' for v in os.getloadavg())}", flush=True)
    head = ["case", "I0", "sigma HU", "noisy"] + [f"NLM k={k:g}" for k in ks]
    head += ["NLM oracle"] * args.oracle + [f"F2N {v}" for v, _ in variants]
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head), flush=True)
    totals: dict[str, list[float]] = {}
    for case in cases(names, doses, args.seed, args.crops, not args.no_whole, small, small_doses):
        sigma = flat_sigma(case.noisy)
        cells = {"noisy": scores(case.noisy, case.reference)}
        for k in ks:
            cells[f"NLM k={k:g}"] = scores(nlm(case.noisy, k * sigma), case.reference)
        if args.oracle:
            cells["NLM oracle"] = max(scores(nlm(case.noisy, k * sigma), case.reference)
                                      for k in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.2, 1.5, 2.0))
        for label, overrides in variants:
            start = time.process_time()
            out, pick = filter2noise(case.noisy, overrides)
            cells[f"F2N {label}"] = scores(out, case.reference) + (time.process_time() - start, pick)
        for key, value in cells.items():
            totals.setdefault(key, []).append(value[0])
        row = [case.name, f"{case.i0:g}", f"{sigma:.1f}"]
        row += [f"{v[0]:.2f} / {v[1]:.3f}" + (f" ({v[2]:.0f} s{', ' + v[3] if v[3] else ''})" if len(v) > 2 else "")
                for v in cells.values()]
        print("| " + " | ".join(row) + " |", flush=True)
    print("| mean ct_psnr | | | " + " | ".join(f"{np.mean(v):.2f}" for v in totals.values()) + " |")
    print(f"load average after: {', '.join(f'{v:.1f}' for v in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()
