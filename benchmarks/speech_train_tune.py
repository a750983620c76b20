"""Choose speech/sgmse's default step count N on the speech-train *valid* split (never on the held-out clips).

For each N, the shipped weights (or ``--weights PATH``, e.g. Schroedinger-bridge weights) enhance the first ``--files``
valid pairs (their first ``--seconds`` seconds) and
the mean PESQ-WB, ESTOI and SI-SDR are printed beside the noisy input's and speech/clearbuds'. One CPU thread.

    OMP_NUM_THREADS=1 python benchmarks/speech_train_tune.py --data /tmp/speech-train --files 6 --seconds 2 \
        --steps 1 --steps 3 --steps 6
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from denoisekit_speech.metrics import estoi, pesq_wb, si_sdr

from denoisekit.api import RunContext, Sample
from denoisekit.testing import PluginHost


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=Path("/tmp/speech-train"))
    p.add_argument("--files", type=int, default=6)
    p.add_argument("--seconds", type=float, default=2.0)
    p.add_argument("--steps", type=int, action="append", required=True)
    p.add_argument("--weights", default="", help="speech/sgmse weights ('' = the shipped ones)")
    a = p.parse_args()
    torch.set_num_threads(1)
    host = PluginHost()
    pairs = []
    for path in sorted((a.data / "valid" / "clean").glob("*.wav"))[: a.files]:
        clean, rate = sf.read(path, dtype="float32")
        noisy, _ = sf.read(a.data / "valid" / "noisy" / path.name, dtype="float32")
        n = int(a.seconds * rate)
        pairs.append((clean[:n], noisy[:n], rate))
    variants = [("noisy", None, {})] + [("speech/clearbuds", "speech/clearbuds", {})] + [
        (f"speech/sgmse N={n}", "speech/sgmse", {"steps": n, "weights": a.weights}) for n in a.steps]
    print(f"{len(pairs)} valid pairs of {a.data}, {a.seconds:g} s each\n")
    print("| method | PESQ-WB | ESTOI | SI-SDR dB | seconds |\n|---|---|---|---|---|")
    for label, key, overrides in variants:
        scores, t0 = [], time.perf_counter()
        for clean, noisy, rate in pairs:
            if key is None:
                out = noisy
            else:
                record = host.pipeline(key)
                sample = Sample(array=noisy[:, None], axes="TC", format="wav", rate=rate)
                ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
                out = record.factory()(sample, {**record.defaults(), **overrides}, ctx).sample.array[:, 0]
            scores.append([pesq_wb(out, clean, rate=rate), estoi(out, clean, rate=rate), si_sdr(out, clean)])
        m = np.nanmean(np.array(scores), axis=0)
        print(f"| {label} | {m[0]:.3f} | {m[1]:.3f} | {m[2]:.2f} | {time.perf_counter() - t0:.0f} |", flush=True)


if __name__ == "__main__":
    main()
