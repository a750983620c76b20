"""Tune speech/wiener's few parameters on the speech-train *valid* split (never on the held-out benchmark clips).

    OMP_NUM_THREADS=1 python benchmarks/speech_wiener_tune.py --data /tmp/speech-train [--files 30]

Grid: frame_ms x gain_floor_db (alpha fixed at 0.98, Ephraim & Malah's value). For each setting the
mean PESQ-WB, ESTOI and SI-SDR over the first ``--files`` valid pairs; the chosen setting is the one with the best
mean PESQ-WB among those whose mean ESTOI and SI-SDR are both above the noisy input's. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from denoisekit_speech.metrics import estoi, pesq_wb, si_sdr
from denoisekit_speech.wiener import wiener_enhance

FRAMES = (16.0, 24.0, 32.0, 48.0, 64.0)
FLOORS = (-30.0, -25.0, -20.0, -15.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/speech-train"))
    parser.add_argument("--files", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(1)
    cleans = sorted((args.data / "valid" / "clean").glob("*.wav"))[: args.files]
    pairs = []
    for c in cleans:
        clean, rate = sf.read(c, dtype="float32")
        noisy, _ = sf.read(args.data / "valid" / "noisy" / c.name, dtype="float32")
        pairs.append((clean, noisy, rate))

    def score(outs):
        return np.array([[pesq_wb(o, c), estoi(o, c, rate=r), si_sdr(o, c)]
                         for o, (c, _, r) in zip(outs, pairs, strict=True)])

    noisy_scores = score([n for _, n, _ in pairs]).mean(axis=0)
    print(f"{len(pairs)} valid pairs of {args.data}; noisy input: PESQ-WB {noisy_scores[0]:.3f}, "
          f"ESTOI {noisy_scores[1]:.3f}, SI-SDR {noisy_scores[2]:.2f} dB\n")
    print("| frame_ms | gain_floor_db | PESQ-WB | ESTOI | SI-SDR |\n|---|---|---|---|---|")
    results = []
    for frame, floor in itertools.product(FRAMES, FLOORS):
        outs = [wiener_enhance(n[None], r, frame_ms=frame, gain_floor_db=floor)[0]
                for _, n, r in pairs]
        mean = score(outs).mean(axis=0)
        results.append(((frame, floor), mean))
        print(f"| {frame:g} | {floor:g} | {mean[0]:.3f} | {mean[1]:.3f} | {mean[2]:.2f} |", flush=True)
    valid = [r for r in results if r[1][1] > noisy_scores[1] and r[1][2] > noisy_scores[2]] or results
    best = max(valid, key=lambda r: r[1][0])
    print(f"\nchosen: frame_ms={best[0][0]:g} gain_floor_db={best[0][1]:g}")


if __name__ == "__main__":
    main()
