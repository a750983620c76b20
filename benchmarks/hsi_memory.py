"""Peak memory (maximum resident set size) of ``denoisekit run hsi/fasthyde`` on a generated float32 cube.

The cube (rows x columns x bands, float32) is a linear mixture of 8 smooth spectra with smooth abundances plus
Gaussian noise of std 0.02 (seed 0), written block by block (so this script never holds it whole) as an ENVI file
(BIP, memory-mapped by the reader) and as a .npy file (read whole). Each case runs the CLI in its own process,
one thread, and reads that process's peak RSS from ``os.wait4``; memory-mapped pages of the input count in RSS
once touched. The same run on a 32 x 32 cube gives the floor (interpreter, torch, plugins, report); above it, the
least a run can take is about one cube (the input's pages) plus the output. Run:

    .venv/bin/python benchmarks/hsi_memory.py --size 1024 --bands 100
    .venv/bin/python benchmarks/hsi_memory.py --size 1024 --bands 100 --formats envi --set rows=128

and it prints a Markdown table: input, peak RSS, floor, (peak - floor) / cube size, wall seconds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ENDMEMBERS = 8
NOISE_STD = 0.02
FLOOR = 32  # side of the cube whose run gives the floor: the interpreter, torch, the plugins, the report


def _mixture(rng: np.random.Generator, w: int, bands: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spectra (E, B), and the frequencies and phases (E, 2) of the abundance fields."""
    x = np.linspace(0.0, 1.0, bands)
    centres, widths = rng.uniform(0, 1, (ENDMEMBERS, 3)), rng.uniform(0.05, 0.3, (ENDMEMBERS, 3))
    spectra = 0.2 + 0.6 * np.exp(-((x[None, None] - centres[..., None]) / widths[..., None]) ** 2).mean(axis=1)
    return spectra, rng.uniform(1, 8, (ENDMEMBERS, 2)) * 2 * np.pi / w, rng.uniform(0, 2 * np.pi, (ENDMEMBERS, 2))


def write_cube(target: np.ndarray, seed: int = 0, block: int = 64) -> None:
    """Fill ``target`` (H, W, B), e.g. a memmap, with the mixture plus noise, ``block`` rows at a time."""
    h, w, bands = target.shape
    rng = np.random.default_rng(seed)
    spectra, freq, phase = _mixture(rng, w, bands)
    cols = np.arange(w)
    for start in range(0, h, block):
        rows = np.arange(start, min(start + block, h))
        logits = (np.sin(freq[:, 0, None, None] * rows[None, :, None] + phase[:, 0, None, None])
                  * np.cos(freq[:, 1, None, None] * cols[None, None, :] + phase[:, 1, None, None]))
        abundance = np.exp(3 * logits)
        abundance /= abundance.sum(axis=0, keepdims=True)
        clean = np.einsum("ehw,eb->hwb", abundance, spectra)
        target[rows] = clean + NOISE_STD * rng.standard_normal(clean.shape)


def make_inputs(directory: Path, size: int, bands: int, formats: list[str]) -> dict[str, Path]:
    """The cube as ENVI (``cube.hdr`` + ``cube.img``) and/or ``cube.npy`` in ``directory``."""
    shape = (size, size, bands)
    paths: dict[str, Path] = {}
    if "envi" in formats:
        header = directory / "cube.hdr"
        header.write_text(f"ENVI\nsamples = {size}\nlines = {size}\nbands = {bands}\nheader offset = 0\n"
                          "file type = ENVI Standard\ndata type = 4\ninterleave = bip\nbyte order = 0\n")
        cube = np.memmap(directory / "cube.img", dtype="<f4", mode="w+", shape=shape)
        write_cube(cube)
        cube.flush()
        del cube
        paths["envi"] = header
    if "npy" in formats:
        cube = np.lib.format.open_memmap(directory / "cube.npy", mode="w+", dtype="<f4", shape=shape)
        write_cube(cube)
        cube.flush()
        del cube
        paths["npy"] = directory / "cube.npy"
    return paths


def peak_rss(command: list[str]) -> tuple[int, float]:
    """(peak RSS in bytes, wall seconds) of ``command`` run in its own process with one thread."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read() if process.stderr else b""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed:\n{stderr.decode(errors='replace')}")
    return usage.ru_maxrss * 1024, wall  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1024, help="rows = columns of the cube")
    parser.add_argument("--bands", type=int, default=100)
    parser.add_argument("--formats", nargs="+", default=["envi", "npy"], choices=["envi", "npy"])
    parser.add_argument("--pipeline", default="hsi/fasthyde")
    parser.add_argument("--set", nargs="*", default=[], dest="overrides", help="key=value options of the pipeline")
    args = parser.parse_args()
    cli = str(Path(sys.executable).with_name("denoisekit"))
    cube_bytes = args.size * args.size * args.bands * 4
    print(f"{args.pipeline} on a {args.size}x{args.size}x{args.bands} float32 cube ({cube_bytes / 1e6:.0f} MB), "
          f"options {args.overrides or 'default'}; floor: the same run on a {FLOOR}x{FLOOR} cube\n")
    print("| input | peak RSS (MB) | floor (MB) | (peak - floor) / cube | wall (s) |\n|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.formats:
            peaks = []
            for size in (FLOOR, args.size):
                directory = Path(tmp) / f"{name}-{size}"
                directory.mkdir()
                path = make_inputs(directory, size, args.bands, [name])[name]
                command = [cli, "run", args.pipeline, "--input", str(path), "--output", str(directory / "out"),
                           "--device", "cpu", *(f"--set={pair}" for pair in args.overrides)]
                peaks.append(peak_rss(command))
            (floor, _), (rss, wall) = peaks
            print(f"| {name} | {rss / 1e6:.0f} | {floor / 1e6:.0f} | {(rss - floor) / cube_bytes:.2f} | {wall:.1f} |",
                  flush=True)

if __name__ == "__main__":
    main()
