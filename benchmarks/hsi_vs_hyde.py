"""denoisekit-hsi's classical baselines against HyDe (hyde-images 0.4.3) on the same cubes in the same run.

Cubes: denoisekit_hsi.sample.make_cube(128, 128, 100, seed 0) with (a) non-i.i.d. Gaussian noise
(sigma_b ~ U(0, 0.1)) and (b) mixed noise (Gaussian sigma 0.05 + stripes + dead lines + impulse, each on
a random third of the bands), from denoisekit_hsi.noise_sim with seeds 1 and 2. HyDe runs in its own
virtual environment (benchmarks/requirements-hyde.txt) through ``--hyde-python``: this script calls
itself there with ``--peer`` (which imports only numpy, torch and hyde), on the same .npy cubes. Every
output is scored here with denoisekit_hsi.metrics (MPSNR with MAX = 1, MSSIM 11x11 Gaussian window,
SAM in degrees, ERGAS).

    python benchmarks/hsi_vs_hyde.py --hyde-python /tmp/hyde-venv/bin/python --out /tmp/hsi_bench
    python benchmarks/hsi_vs_hyde.py --pipelines "hsi/fasthyde,hsi/dds2m:steps=200" --skip-hyde  # others by name
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HYDE_METHODS = {  # name -> (class, call keywords): benchmarking.py's values in HyDe's repository
    "HyDe FastHyDe (iid)": ("FastHyDe", {"noise_type": "additive", "iid": True, "k_subspace": 10, "normalize": True}),
    "HyDe FastHyDe (non-iid)": ("FastHyDe", {"noise_type": "additive", "iid": False, "k_subspace": 10,
                                             "normalize": True}),
    "HyDe L1HyMixDe": ("L1HyMixDe", {"k_subspace": 8, "p": 0.1, "max_iter": 10}),
    "HyDe HyRes": ("HyRes", {"min_iter": 2}),
    "HyDe HyMiNoR": ("HyMiNoR", {"lam": 10.0, "iterations": 50}),
    "HyDe WSRRR": ("WSRRR", {"rank": 10}),
}
DEFAULT_PIPELINES = "hsi/fasthyde,hsi/fasthyde:iid=true,hsi/fasthyde-mixed,hsi/hyres,hsi/hyminor"
CASES = {"non-iid": ("non-iid", 1), "mixed": ("mixed", 2)}


def run_peer(work: Path, threads: int) -> None:
    """In HyDe's environment: run every HyDe method on every noisy cube, save outputs and seconds."""
    import hyde
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    times: dict[str, dict[str, float | str]] = {}
    for case in CASES:
        noisy = torch.from_numpy(np.load(work / f"{case}_noisy.npy"))
        for label, (cls, kwargs) in HYDE_METHODS.items():
            start = time.perf_counter()
            try:
                out = getattr(hyde, cls)()(noisy.clone(), **kwargs)
                out = out[0] if isinstance(out, tuple) else out
                np.save(work / f"{case}_{cls}_{kwargs.get('iid', '')}.npy", out.float().cpu().numpy())
                times.setdefault(case, {})[label] = time.perf_counter() - start
            except Exception as e:  # reported in the table, the other methods still run
                times.setdefault(case, {})[label] = f"failed: {type(e).__name__}: {e}"
            print(f"{case} {label}: {times[case][label]}", flush=True)
    (work / "hyde_times.json").write_text(json.dumps(times, indent=1))


def _file_name(spec: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "_" for c in spec)


def run_ours(work: Path, pipelines: list[str], device: str) -> dict[str, dict[str, float]]:
    import numpy as np

    from denoisekit.device import resolve_device
    from denoisekit.manager import PluginHost
    from denoisekit.options import resolve_options
    from denoisekit.pipeline import RunContext
    from denoisekit.sample import Sample

    host = PluginHost()
    times: dict[str, dict[str, float]] = {}
    for case in CASES:
        noisy = np.load(work / f"{case}_noisy.npy")
        for spec in pipelines:
            name, _, sets = spec.partition(":")
            overrides = dict(kv.split("=", 1) for kv in sets.split(";") if kv)
            record = host.pipeline(name)
            ctx = RunContext(device=resolve_device(device), seed=0, show_progress=False)
            sample = Sample(noisy, "HWC", "npy", {"dtype": "<f4"})
            pipeline = record.factory()
            start = time.perf_counter()
            out = pipeline(sample, resolve_options(record, overrides=overrides), ctx)  # a PipelineResult
            if ctx.device.type == "cuda":
                import torch

                torch.cuda.synchronize()
            times.setdefault(case, {})[spec] = time.perf_counter() - start
            np.save(work / f"{case}_{_file_name(spec)}.npy", np.asarray(out.sample.array, dtype=np.float32))
            print(f"{case} {spec}: {times[case][spec]:.2f} s {dict(out.notes)}", flush=True)
    return times


def score(work: Path, ours: dict, hyde_times: dict) -> dict[str, list[dict]]:
    import numpy as np
    from denoisekit_hsi.metrics import ergas, mpsnr, mssim, sam_degrees

    clean = np.load(work / "clean.npy")
    table: dict[str, list[dict]] = {}
    for case in CASES:
        rows = [("noisy input", work / f"{case}_noisy.npy", 0.0)]
        rows += [(spec, work / f"{case}_{_file_name(spec)}.npy", t) for spec, t in ours.get(case, {}).items()]
        for label, (cls, kwargs) in HYDE_METHODS.items():
            t = hyde_times.get(case, {}).get(label)
            rows.append((label, work / f"{case}_{cls}_{kwargs.get('iid', '')}.npy", t))
        table[case] = []
        for label, path, t in rows:
            if not isinstance(t, float) or not path.is_file():
                table[case].append({"method": label, "error": str(t)})
                continue
            est = np.load(path).astype(np.float64)
            table[case].append({"method": label, "seconds": t, "mpsnr": mpsnr(est, clean, 1.0),
                                "mssim": mssim(est, clean, 1.0), "sam": sam_degrees(est, clean),
                                "ergas": ergas(est, clean)})
    return table


def markdown(table: dict[str, list[dict]]) -> str:
    lines = []
    for case, rows in table.items():
        lines += [f"\n### {case}\n", "| Method | Time (s) | MPSNR | MSSIM | SAM (deg) | ERGAS |",
                  "|---|---|---|---|---|---|"]
        for r in rows:
            if "error" in r:
                lines.append(f"| {r['method']} | {r['error']} | | | | |")
            else:
                lines.append(f"| {r['method']} | {r['seconds']:.2f} | {r['mpsnr']:.2f} | {r['mssim']:.3f} | "
                             f"{r['sam']:.2f} | {r['ergas']:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/hsi_vs_hyde"))
    parser.add_argument("--hyde-python", default="/tmp/hyde-venv/bin/python", help="python of HyDe's venv")
    parser.add_argument("--pipelines", default=DEFAULT_PIPELINES,
                        help="comma-separated denoisekit pipelines, each NAME or NAME:key=value;key=value "
                             "(any registered hsi pipeline, e.g. hsi/dds2m)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1, help="torch threads on both sides")
    parser.add_argument("--skip-hyde", action="store_true", help="score only ours (reuses hyde_times.json if any)")
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = args.out
    if args.peer:
        run_peer(work, args.threads)
        return

    import numpy as np
    import torch
    from denoisekit_hsi.noise_sim import add_noise
    from denoisekit_hsi.sample import make_cube

    torch.set_num_threads(args.threads)
    work.mkdir(parents=True, exist_ok=True)
    clean = make_cube(128, 128, 100, seed=0)
    np.save(work / "clean.npy", clean)
    for case, (noise, seed) in CASES.items():
        noisy = add_noise(torch.from_numpy(clean), noise, torch.Generator().manual_seed(seed)).numpy()
        np.save(work / f"{case}_noisy.npy", noisy.astype(np.float32))
    ours = run_ours(work, [p for p in args.pipelines.split(",") if p], args.device)
    if not args.skip_hyde:
        env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
        subprocess.run([args.hyde_python, __file__, "--peer", "--out", str(work), "--threads", str(args.threads)],
                       check=True, env=env)
    hyde_path = work / "hyde_times.json"
    hyde_times = json.loads(hyde_path.read_text()) if hyde_path.is_file() else {}
    table = score(work, ours, hyde_times)
    (work / "results.json").write_text(json.dumps(table, indent=1))
    text = markdown(table)
    (work / "results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
