"""Choose speech/sgmse's bridge weights, step count N and output mix on the speech-train *valid* split (never the
held-out clips), in the three conditions of benchmarks/speech_clearbuds_tune.py: the valid pairs as built,
``babble 5 dB`` (4 talkers made of other valid utterances) and ``pink+hum 0 dB``. For each condition: the noisy
input, speech/wiener with its defaults, and speech/sgmse (run through its pipeline) with every weights file at every
N and output mix ``(1 - mix) * enhanced + mix * noisy``; mean PESQ-WB, ESTOI, SI-SDR and ``wins``: the share of
utterances on which it beats both the noisy input and speech/wiener on all three metrics. One CPU thread.

    OMP_NUM_THREADS=1 python benchmarks/speech_sgmse_tune.py --data /tmp/speech-train --files 20 \\
        --steps 1 --mix 0 --mix 0.1 --mix 0.2 plugins/speech/denoisekit_speech/weights/sgmse-sb-denoise.pt A.pt
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from denoisekit_speech.sgmse_data import pair_files, read_pairs
from speech_clearbuds_tune import conditions, print_table, score
from speech_train_sgmse import read16k

from denoisekit.api import RunContext, Sample
from denoisekit.testing import PluginHost

RATE = 16000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("weights", type=Path, nargs="+")
    p.add_argument("--data", type=Path, default=Path("/tmp/speech-train"))
    p.add_argument("--files", type=int, default=0, help="the first N valid pairs (0: all)")
    p.add_argument("--steps", type=int, action="append", default=[], help="bridge steps N to try (default 1)")
    p.add_argument("--mix", type=float, action="append", default=[], help="output mix to try (default 0)")
    p.add_argument("--only", default="", help="a single condition")
    a = p.parse_args()
    torch.set_num_threads(1)
    pairs = read_pairs(pair_files(a.data, "valid", (".wav",)), read16k)[: a.files or None]
    host = PluginHost()
    wiener, sgmse = host.pipeline("speech/wiener"), host.pipeline("speech/sgmse")
    run_wiener, run_sgmse = wiener.factory(), sgmse.factory()
    print(f"{len(pairs)} valid utterances; PESQ-WB / ESTOI / SI-SDR dB (mean), wins = share beating noisy and "
          "speech/wiener on all three")
    for condition, items in conditions(pairs).items():
        if a.only and condition != a.only:
            continue
        rows: dict[str, list[np.ndarray]] = {}
        for clean, noisy in items:
            sample = Sample(array=noisy[:, None], axes="TC", format="wav", rate=RATE)
            ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
            w = run_wiener(sample, wiener.defaults(), ctx)
            rows.setdefault("noisy", []).append(score(noisy, clean))
            rows.setdefault("speech/wiener", []).append(score(w.sample.array[:, 0], clean))
            for path in a.weights:
                for n in a.steps or [1]:
                    config = {**sgmse.defaults(), "weights": str(path), "steps": n, "mix": 0.0}
                    out = run_sgmse(sample, config, ctx).sample.array[:, 0]
                    for mix in a.mix or [0.0]:
                        label = f"{path.parent.name}/{path.name} N={n} mix {mix:g}"
                        rows.setdefault(label, []).append(score((1 - mix) * out + mix * noisy, clean))
        print_table(condition, rows)


if __name__ == "__main__":
    main()
