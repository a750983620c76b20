"""DeviceLoader against a plain torch DataLoader: samples per second and peak memory, 2-D and 3-D.

Data: 256 random 2-D slices of 256x256 and 64 random 3-D volumes of 64^3 (float32, 64 MiB each),
written as ``.npy`` files. Per sample, both loaders cut a random patch (192x192, 48^3), flip each
spatial axis with probability 1/2 and add Gaussian noise (sigma 0.1): the training pair ``x``, ``y``.

- ``DeviceLoader``: ``FileDataset(paths, np.load)`` decoded once and cached on ``--device``; cut,
  flips and noise per batch on the device (noise from the loader's device generator).
- ``DataLoader``: the arrays held in memory by a map-style dataset that cuts, flips and adds noise
  on the CPU in ``__getitem__``; ``num_workers=2``, ``persistent_workers``, default collate,
  ``pin_memory`` on CUDA; batches moved to ``--device``.

Each (case, loader) runs ``--repeats`` times, each in its own process: one warm-up epoch, then
epochs for at least ``--seconds`` seconds; samples/s counts those, and the best run is kept (on a
shared machine the best is the least disturbed), with the largest peak memory of the runs. CPU
ms/sample is the user + system time of the process and its workers over the timed epochs, per
sample (the least of the runs): the work done, which other jobs on the machine hardly change. Peak
memory is the largest sum of the proportional set sizes (PSS, /proc/PID/smaps_rollup, Linux) of
the process and its worker processes, sampled every 0.2 s from start to end (imports, data, cache
and workers included; shared pages counted once) by this parent process, so that the sampling
does not slow the measured process down. On CUDA the peak of ``torch.cuda.max_memory_allocated``
is added. Prints a Markdown table.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/loader_throughput.py [--device cpu] [--threads 1]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CASES = {"2-D 256x256": ((256, 256), 256, (192, 192)), "3-D 64^3": ((64, 64, 64), 64, (48, 48, 48))}
LOADERS = ("DeviceLoader", "DataLoader")
SIGMA = 0.1


def stat_fields(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state, ppid, ..., utime at index 11)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_tree(root: int) -> set[int]:
    """``root`` and all its descendants."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(stat_fields(entry.name)[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier and pid not in tree]
        tree.update(frontier)
    return tree


def cpu_seconds(root: int) -> float:
    """User + system CPU time of ``root`` and its live descendants (all their threads)."""
    ticks = 0
    for pid in process_tree(root):
        try:
            fields = stat_fields(pid)
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def pss_mib(root: int) -> float:
    """The summed PSS of process ``root`` and all its descendants, in MiB."""
    total_kb = 0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
                    break
        except OSError:
            continue
    return total_kb / 1024


def run_sampled(cmd: list[str], interval: float = 0.2) -> tuple[str, float]:
    """Run ``cmd``; its stdout and the peak ``pss_mib`` of its process tree, sampled every ``interval`` s."""
    peak = 0.0
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        while proc.poll() is None:
            peak = max(peak, pss_mib(proc.pid))
            time.sleep(interval)
        out = proc.stdout.read()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return out, peak


def measure(loader_name: str, case: str, batch_size: int, data: Path, device_name: str, seconds: float) -> dict:
    """Run one (loader, case, batch size) in this process and return its numbers."""
    import torch

    from denoisekit.data import DeviceLoader, FileDataset

    device = torch.device(device_name)
    shape, count, patch = CASES[case]
    paths = [data / f"{i}.npy" for i in range(count)]

    def noise(batch, generator):
        x = batch["x"]
        return {"x": x, "y": x + SIGMA * torch.randn(x.shape, generator=generator, device=x.device)}

    class Plain(torch.utils.data.Dataset):
        """Arrays in memory; cut, flips and noise on the CPU per sample (in the DataLoader's workers)."""

        def __init__(self):
            self.arrays = [np.load(p)[None] for p in paths]

        def __len__(self):
            return len(self.arrays)

        def __getitem__(self, i):
            a = self.arrays[i]
            starts = [int(torch.randint(0, s - p + 1, ())) for s, p in zip(shape, patch, strict=True)]
            cut = a[(Ellipsis, *(slice(o, o + p) for o, p in zip(starts, patch, strict=True)))]
            flips = [1 + axis for axis in range(len(shape)) if float(torch.rand(())) < 0.5]
            x = torch.from_numpy(np.ascontiguousarray(np.flip(cut, flips) if flips else cut))
            return {"x": x, "y": x + SIGMA * torch.randn(x.shape)}

    if loader_name == "DeviceLoader":
        loader = DeviceLoader(FileDataset(paths, np.load), device, batch_size, degrade=noise, patch=patch,
                              flips=range(len(shape)), drop_last=True)
    else:
        loader = torch.utils.data.DataLoader(Plain(), batch_size, shuffle=True, num_workers=2, drop_last=True,
                                             persistent_workers=True, pin_memory=device.type == "cuda",
                                             generator=torch.Generator().manual_seed(0))

    def epoch() -> int:
        n = 0
        for batch in loader:
            y = batch["y"].to(device, non_blocking=True)
            n += y.shape[0]
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return n

    epoch()  # warm-up: worker start, first batches
    start, cpu, samples = time.perf_counter(), cpu_seconds(os.getpid()), 0
    while time.perf_counter() - start < seconds:
        samples += epoch()
    elapsed = time.perf_counter() - start
    result = {"samples_per_s": samples / elapsed, "cpu_ms": (cpu_seconds(os.getpid()) - cpu) / samples * 1e3}
    if device.type == "cuda":
        result["device_peak_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch threads in the main process")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per (case, loader): best samples/s, largest peak")
    parser.add_argument("--one", nargs=4, metavar=("LOADER", "CASE", "BATCH", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        import torch

        torch.set_num_threads(args.threads)
        loader, case, batch, data = args.one
        print(json.dumps(measure(loader, case, int(batch), Path(data), args.device, args.seconds)))
        return

    import torch

    work = Path(tempfile.mkdtemp(prefix="dk-loader-bench-"))
    atexit.register(shutil.rmtree, work, True)  # data and caches go when the benchmark ends
    rows = []
    for case, (shape, count, _) in CASES.items():
        data = work / case.split()[0]
        data.mkdir()
        rng = np.random.default_rng(0)
        for i in range(count):
            np.save(data / f"{i}.npy", rng.random(shape, dtype=np.float32))
        for batch in (8, 32):
            row = {"case": case, "batch": batch}
            for _ in range(args.repeats):
                for loader in LOADERS:
                    cmd = [sys.executable, __file__, "--device", args.device, "--threads", str(args.threads),
                           "--seconds", str(args.seconds), "--one", loader, case, str(batch), str(data)]
                    out, peak = run_sampled(cmd)
                    result = json.loads(out.strip().splitlines()[-1]) | {"peak_mib": peak}
                    best = row.setdefault(loader, result)
                    row[loader] = {k: (min if k == "cpu_ms" else max)(v, best[k]) for k, v in result.items()}
            rows.append(row)
            print(f"{case}, batch {batch}: {row}", file=sys.stderr)

    ours, plain = LOADERS
    cuda = args.device.startswith("cuda")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, device {args.device}, torch "
          f"{torch.__version__}, {args.threads} torch thread(s) in the main process, DataLoader with 2 workers, "
          f"best of {args.repeats} runs of {args.seconds:g} s\n")
    head = (f"| case | batch | {ours} (samples/s) | {plain} (samples/s) | speed-up | {ours} (CPU ms/sample) "
            f"| {plain} (CPU ms/sample) | CPU ratio | {ours} peak (MiB) | {plain} peak (MiB) | memory ratio |")
    print(head + (" device peak (MiB), ours / plain |" if cuda else ""))
    print("|---|---|---|---|---|---|---|---|---|---|---|" + ("---|" if cuda else ""))
    for r in rows:
        a, b = r[ours], r[plain]
        line = (f"| {r['case']} | {r['batch']} | {a['samples_per_s']:.0f} | {b['samples_per_s']:.0f} "
                f"| {a['samples_per_s'] / b['samples_per_s']:.2f}x | {a['cpu_ms']:.2f} | {b['cpu_ms']:.2f} "
                f"| {a['cpu_ms'] / b['cpu_ms']:.2f} | {a['peak_mib']:.0f} | {b['peak_mib']:.0f} "
                f"| {a['peak_mib'] / b['peak_mib']:.2f} |")
        if cuda:
            line += f" {a['device_peak_mib']:.0f} / {b['device_peak_mib']:.0f} |"
        print(line)


if __name__ == "__main__":
    main()
