"""Choose speech/sgmse's bridge weights, step count N and output mix on the speech-train *valid* split (never the
held-out clips), in the three conditions of benchmarks/speech_clearbuds_tune.py: the valid pairs as built,
``babble 5 dB`` (4 talkers made of other valid utterances) and ``pink+hum 0 dB``. For each condition: the noisy
input, speech/wiener with its defaults, and speech/sgmse (run through its pipeline) with every weights file at every
N and output mix ``(1 - mix) * enhanced + mix * noisy``; mean PESQ-WB, ESTOI, SI-SDR and ``wins``: the share of
utterances on which it beats both the noisy input and speech/wiener on all three metrics. One CPU thread.

    OMP_NUM_THREADS=1 python benchmarks/speech_sgmse_tune.py --data /tmp/speech-train --files 20 \\
        --steps 1 --mix 0 --mix 0.1 --mix 0.2 plugins/speech/denoisekit_speech/weights/sgmse-sb-denoise.pt A.pt

``--talkers DIR`` (a built speech-talkers folder) scores one more, harder condition instead, ``real babble 5 dB``:
the valid utterances under babble of 4 draws (with repeats, random circular shifts:
:func:`denoisekit_speech.simulate.babble`, as the held-out benchmark makes its babble of 2 clips) from random crops
of the folder's *valid* talkers: real wideband voices of languages whose speakers are not in the training pool.

    OMP_NUM_THREADS=1 python benchmarks/speech_sgmse_tune.py --files 20 --talkers /tmp/sp10/speech-talkers W.pt ...
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from denoisekit_speech.sgmse_data import pair_files, read_pairs
from denoisekit_speech.simulate import add_noise, babble
from denoisekit_speech.talkers import read_talkers
from speech_clearbuds_tune import RATE, conditions, score_conditions
from speech_train_sgmse import read16k

from denoisekit.api import RunContext, Sample
from denoisekit.testing import PluginHost


def real_babble(pairs: list[tuple[torch.Tensor, torch.Tensor]], talkers: list[np.ndarray]) -> list[tuple]:
    """[(clean, noisy)]: each valid utterance under babble of 4 draws from random crops of ``talkers`` at 5 dB, at a
    common peak of 0.9 (seed: the utterance's index)."""
    out = []
    for i, (clean, _) in enumerate(pairs):
        g = torch.Generator().manual_seed(i)
        n = clean.numel()
        crops = []
        for t in talkers:
            start = int(torch.randint(max(1, t.size - n + 1), (1,), generator=g))
            crops.append(torch.from_numpy(np.resize(t[start:], n)))
        y = add_noise(clean, babble(crops, n, 4, g), 5.0)
        gain = 0.9 / max(float(y.abs().max()), float(clean.abs().max()))
        out.append(((clean * gain).numpy(), (y * gain).numpy().astype(np.float32)))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("weights", type=Path, nargs="+")
    p.add_argument("--data", type=Path, default=Path("/tmp/speech-train"))
    p.add_argument("--files", type=int, default=0, help="the first N valid pairs (0: all)")
    p.add_argument("--steps", type=int, action="append", default=[], help="bridge steps N to try (default 1)")
    p.add_argument("--mix", type=float, action="append", default=[], help="output mix to try (default 0)")
    p.add_argument("--only", default="", help="a single condition")
    p.add_argument("--talkers", type=Path, default=None, help="score the real-babble condition of this speech-talkers")
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

    if a.talkers:
        score_conditions({"real babble 5 dB": real_babble(pairs, read_talkers(a.talkers, "valid"))}, enhance, a.mix)
    else:
        score_conditions(conditions(pairs), enhance, a.mix, a.only)


if __name__ == "__main__":
    main()
