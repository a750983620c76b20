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
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from denoisekit_speech.sgmse_data import pair_files, read_pairs
from speech_clearbuds_tune import RATE, score_conditions
from speech_train_sgmse import read16k

from denoisekit.api import RunContext, Sample
from denoisekit.testing import PluginHost


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
    sgmse = PluginHost().pipeline("speech/sgmse")
    run_sgmse = sgmse.factory()

    def enhance(noisy: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
        sample = Sample(array=noisy[:, None], axes="TC", format="wav", rate=RATE)
        ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
        for path in a.weights:
            for n in a.steps or [1]:
                config = {**sgmse.defaults(), "weights": str(path), "steps": n, "mix": 0.0}
                yield f"{path.parent.name}/{path.name} N={n}", run_sgmse(sample, config, ctx).sample.array[:, 0]

    score_conditions(pairs, enhance, a.mix, a.only)


if __name__ == "__main__":
    main()
