"""Time and quality of ``hsi/dds2m`` on a simulated 128x128x100 cube for a few settings (CPU or GPU).

The cube is ``denoisekit_hsi.sample.make_cube(128, 128, 100, seed=0)`` (the cube of ``benchmarks/hsi_vs_hyde.py``),
the noise ``denoisekit_hsi.noise_sim.add_noise(cube, CASE, generator seeded 0)`` (gaussian: sigma 0.1; non-iid:
sigma_b ~ U(0, 0.1); mixed: HyDe's mixed case). Each setting is the pipeline's defaults with a few options
changed; the noise level is estimated (``sigma = 0``), the seed is 0, and nothing is selected with the reference.
``--compare`` runs other pipelines (``name:key=value:...``) on the same noisy cube, after the settings. Run:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/hsi_dds2m.py --case gaussian --out /tmp/dds2m.json
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/hsi_dds2m.py --case non-iid --only \\
        --compare hsi/diffusion3d hsi/diffusion3d:steps=4 hsi/fasthyde hsi/hyres hsi/hyminor

and it prints a Markdown table with wall and process CPU seconds (the CPU time is the fairer measure on a shared
machine; the load average is printed too).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from denoisekit_hsi.diffusion_records import DDS2M_PIPELINE
from denoisekit_hsi.metrics import ergas, mpsnr, mssim, sam_degrees
from denoisekit_hsi.noise_sim import add_noise
from denoisekit_hsi.sample import make_cube

from denoisekit.manager import get_host
from denoisekit.pipeline import RunContext
from denoisekit.sample import Sample

R4 = {"rank": 4}
SETTINGS: dict[str, dict] = {  # the rows of docs/domains/hsi-diffusion.md's table
    "default (rank 8, 100 x 4, kl_weight 3)": {},
    "rank 8, 150 x 2": {"steps": 150, "inner_iterations": 2},
    "rank 4, 100 x 4": R4,
    "rank 4, 150 x 2": R4 | {"steps": 150, "inner_iterations": 2},
    "rank 4, 150 x 2, kl_weight 0 (the released code's loss)": R4 | {"steps": 150, "inner_iterations": 2,
                                                                      "kl_weight": 0.0},
    "rank 4, 150 x 2, kl_weight 1": R4 | {"steps": 150, "inner_iterations": 2, "kl_weight": 1.0},
    "rank 4, 60 x 2": R4 | {"steps": 60, "inner_iterations": 2},
    "rank 4, 300 x 1": R4 | {"steps": 300, "inner_iterations": 1},
    "rank 4, 300 x 1, paper-like (eta 1, start 3, lr 5e-4)": R4 | {"steps": 300, "inner_iterations": 1, "eta": 1.0,
                                                                  "start": 3.0, "lr": 5e-4},
}


def parse_value(default: bool | int | float | str, text: str) -> bool | int | float | str:
    """``text`` as the type of the option's default (booleans: true/false, 1/0)."""
    if isinstance(default, bool):
        return text.lower() in ("1", "true", "yes", "on")
    return type(default)(text)


def scores(out: np.ndarray, clean: np.ndarray) -> dict[str, float]:
    return {"mpsnr": mpsnr(out, clean, 1.0), "mssim": mssim(out, clean, 1.0), "sam": sam_degrees(out, clean),
            "ergas": ergas(out, clean)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="gaussian", choices=("gaussian", "non-iid", "mixed"))
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--bands", type=int, default=100)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--only", nargs="*", help="names of SETTINGS to run (default: all; none: only --compare)")
    parser.add_argument("--compare", nargs="*", default=[], help="other pipelines: NAME[:KEY=VALUE[:...]]")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()

    device = torch.device(args.device)
    clean = make_cube(args.size, args.size, args.bands, seed=0)
    generator = torch.Generator(device).manual_seed(0)
    noisy = add_noise(torch.from_numpy(clean).to(device), args.case, generator).cpu().numpy()
    rows = [{"setting": "noisy input", "seconds": 0.0, "cpu_seconds": 0.0, **scores(noisy, clean)}]
    runs = [(f"hsi/dds2m {name}", DDS2M_PIPELINE, changes) for name, changes in SETTINGS.items()
            if args.only is None or name in args.only]
    host = get_host()
    for spec in args.compare:
        name, *sets = spec.split(":")
        record = host.pipeline(name)
        changes = {k: parse_value(record.defaults()[k], v) for k, v in (item.split("=", 1) for item in sets)}
        runs.append((spec, record, changes))
    for name, record, changes in runs:
        config = record.defaults() | changes
        ctx = RunContext(device=device, seed=0, show_progress=False)
        start, cpu_start = time.perf_counter(), time.process_time()
        result = record.factory()(Sample(noisy, "HWC", "npy"), config, ctx)
        out = result.sample.array
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        rows.append({"setting": name, "seconds": seconds, "cpu_seconds": cpu_seconds, **scores(out, clean),
                     "changes": changes,
                     "sigma_estimated": result.notes.get("sigma")})
        print(json.dumps(rows[-1]), flush=True)

    load = os.getloadavg()
    print(f"\n{args.size}x{args.size}x{args.bands}, {args.case} noise, device {device}, torch threads "
          f"{torch.get_num_threads()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    print("| setting | wall (s) | CPU (s) | MPSNR | MSSIM | SAM (deg) | ERGAS |\n|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['setting']} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['mpsnr']:.2f} | {r['mssim']:.3f} | "
              f"{r['sam']:.2f} | {r['ergas']:.2f} |")
    if args.out:
        args.out.write_text(json.dumps({"case": args.case, "device": str(device), "load": load, "rows": rows},
                                       indent=1))


if __name__ == "__main__":
    main()
