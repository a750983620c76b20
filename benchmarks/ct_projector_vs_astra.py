"""Time per forward + adjoint projection: denoisekit-ct's torch Joseph projector against astra-toolbox's CPU
``linear`` projector, on the same parallel-beam geometry (default 512x512 image, 720 views over 180 deg,
725 one-pixel bins), plus FBP (Hann) for both. Run:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ct_projector_vs_astra.py [--device cuda] [--threads 1]

Each method runs in its own child process (so peak memory is its own): one warm-up call, then the median of
``--repeats`` timed calls. Peak memory is the child's peak resident set size above its size after the imports
and the test image (CPU), and ``torch.cuda.max_memory_allocated`` for ours on CUDA. astra runs on the CPU
only (its CUDA algorithms are not used). It prints a Markdown table with the machine's load average; a
shared CPU makes timings vary by up to 2x.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _phantom(size: int):
    import numpy as np
    from skimage.data import shepp_logan_phantom
    from skimage.transform import resize

    return resize(shepp_logan_phantom(), (size, size), anti_aliasing=True).astype(np.float32)


def _timed(fn, repeats: int, sync=lambda: None) -> float:
    fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def worker_ours(size: int, views: int, device: str, repeats: int) -> dict:
    import torch
    from denoisekit_ct.fbp import fbp
    from denoisekit_ct.geometry import parallel_beam
    from denoisekit_ct.projector import CTProjector

    g = parallel_beam((size, size), views)
    op = CTProjector(g)
    x = torch.from_numpy(_phantom(size)).to(device)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    base = _rss_mb()
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
        base_cuda = torch.cuda.memory_allocated()
    y = op.A(x)
    with torch.no_grad():
        forward = _timed(lambda: op.A(x), repeats, sync)
        adjoint = _timed(lambda: op.A_adjoint(y), repeats, sync)
        recon = _timed(lambda: fbp(y, g, "hann"), repeats, sync)
    if device.startswith("cuda"):
        peak = (torch.cuda.max_memory_allocated() - base_cuda) / 2**20
    else:
        peak = _peak_rss_mb() - base
    return {"forward": forward, "adjoint": adjoint, "fbp": recon, "peak_mb": peak, "detectors": g.detectors}


def worker_astra(size: int, views: int, repeats: int) -> dict:
    import astra
    import numpy as np
    from denoisekit_ct.geometry import parallel_beam

    g = parallel_beam((size, size), views)
    image = _phantom(size)
    vol = astra.create_vol_geom(size, size)
    proj = astra.create_proj_geom("parallel", 1.0, g.detectors, -g.angles().numpy())  # astra turns the other way
    projector = astra.create_projector("linear", proj, vol)
    base = _rss_mb()
    sino_id, sino = astra.create_sino(image, projector)
    astra.data2d.delete(sino_id)

    def run(algorithm: str, **extra) -> None:
        s = astra.data2d.create("-sino", proj, sino)
        r = astra.data2d.create("-vol", vol)
        cfg = astra.astra_dict(algorithm)
        cfg.update(ProjectorId=projector, ProjectionDataId=s, ReconstructionDataId=r, **extra)
        alg = astra.algorithm.create(cfg)
        astra.algorithm.run(alg)
        astra.data2d.get(r)
        astra.algorithm.delete(alg)
        astra.data2d.delete([s, r])

    def forward() -> np.ndarray:
        sid, out = astra.create_sino(image, projector)
        astra.data2d.delete(sid)
        return out

    result = {"forward": _timed(forward, repeats), "adjoint": _timed(lambda: run("BP"), repeats),
              "fbp": _timed(lambda: run("FBP", FilterType="hann"), repeats)}
    result["peak_mb"] = _peak_rss_mb() - base
    astra.projector.delete(projector)
    return result


def _child(args: argparse.Namespace, which: str) -> dict:
    cmd = [sys.executable, __file__, "--worker", which, "--size", str(args.size), "--views", str(args.views),
           "--device", args.device, "--repeats", str(args.repeats), "--threads", str(args.threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env={**os.environ,
                         "OMP_NUM_THREADS": str(args.threads)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--views", type=int, default=720)
    parser.add_argument("--device", default="cpu", help="device for ours (astra always runs its CPU code)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch / OpenMP threads of both")
    parser.add_argument("--worker", choices=("ours", "astra"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        import torch

        torch.set_num_threads(args.threads)
        result = (worker_ours(args.size, args.views, args.device, args.repeats) if args.worker == "ours"
                  else worker_astra(args.size, args.views, args.repeats))
        print(json.dumps(result))
        return
    ours = _child(args, "ours")
    try:
        theirs = _child(args, "astra")
    except subprocess.CalledProcessError as e:
        theirs = None
        print(f"astra failed or is not installed: {e.stderr.strip().splitlines()[-1] if e.stderr else e}")
    load = os.getloadavg()
    print(f"parallel beam, {args.size}x{args.size}, {args.views} views, {ours['detectors']} bins; "
          f"{args.threads} thread(s); load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    print("| method | device | forward s | adjoint s | forward + adjoint s | FBP (Hann) s | peak extra memory MB |")
    print("|---|---|---|---|---|---|---|")
    rows = [("denoisekit-ct Joseph (torch)", args.device, ours)]
    if theirs:
        rows.append(("astra-toolbox 2.5 `linear` + BP/FBP", "cpu", theirs))
    for name, device, r in rows:
        print(f"| {name} | {device} | {r['forward']:.3f} | {r['adjoint']:.3f} | {r['forward'] + r['adjoint']:.3f} | "
              f"{r['fbp']:.3f} | {r['peak_mb']:.0f} |")
    if theirs:
        ratio = (ours["forward"] + ours["adjoint"]) / (theirs["forward"] + theirs["adjoint"])
        fbp_ratio = ours["fbp"] / theirs["fbp"]
        print(f"\nforward + adjoint time, ours / astra: {ratio:.2f}; FBP ours / astra: {fbp_ratio:.2f}")


if __name__ == "__main__":
    main()
