"""Choose speech/clearbuds' weights and output mix on the speech-train *valid* split (never the held-out clips).

Three conditions of the valid utterances: the valid pairs as built (17 noises, -5 to 15 dB), and, mirroring the
held-out benchmark's conditions with valid speech only, ``babble 5 dB`` (4 talkers made of other valid
utterances, :func:`denoisekit_speech.simulate.babble`) and ``pink+hum 0 dB`` (pink noise plus 50 Hz hum with 5
harmonics 6 dB below it). For each condition: the noisy input, speech/wiener with its defaults, and every weights
file at every output mix ``(1 - mix) * enhanced + mix * noisy``; mean PESQ-WB, ESTOI, SI-SDR, and ``wins``: the
share of utterances on which the method beats both the noisy input and speech/wiener on all three metrics.

    OMP_NUM_THREADS=1 python benchmarks/speech_clearbuds_tune.py --data /tmp/speech-train --files 20 \\
        --mix 0 --mix 0.1 --mix 0.2 A.pt B.pt
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import torch
from denoisekit_speech.clearbuds import enhance_offline
from denoisekit_speech.clearbuds_pipeline import load_model
from denoisekit_speech.metrics import estoi, pesq_wb, si_sdr
from denoisekit_speech.sgmse_data import pair_files, read_pairs
from denoisekit_speech.simulate import add_noise, babble, mains_hum, pink_noise
from speech_train_sgmse import read16k

from denoisekit.api import RunContext, Sample
from denoisekit.testing import PluginHost

RATE = 16000
Enhancer = Callable[[np.ndarray], Iterable[tuple[str, np.ndarray]]]  # noisy -> (label, enhanced) pairs


def conditions(pairs: list[tuple[torch.Tensor, torch.Tensor]]) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """condition -> [(clean, noisy)] at a common peak of 0.9 (as a file holds it)."""
    cleans = [c for c, _ in pairs]
    out: dict[str, list] = {"valid pairs": [], "babble 5 dB": [], "pink+hum 0 dB": []}
    for i, (clean, noisy) in enumerate(pairs):
        g = torch.Generator().manual_seed(i)
        others = [c for j, c in enumerate(cleans) if j != i]
        talk = add_noise(clean, babble(others, clean.numel(), 4, g), 5.0)
        noise = pink_noise((clean.numel(),), g) + 10 ** (-6 / 20) * mains_hum(clean.numel(), RATE, mains=50.0,
                                                                              harmonics=5, generator=g)
        for name, y in (("valid pairs", noisy), ("babble 5 dB", talk), ("pink+hum 0 dB", add_noise(clean, noise, 0.0))):
            gain = 0.9 / max(float(y.abs().max()), float(clean.abs().max()))
            out[name].append(((clean * gain).numpy(), (y * gain).numpy().astype(np.float32)))
    return out


def score(estimate: np.ndarray, clean: np.ndarray) -> np.ndarray:
    return np.array([pesq_wb(estimate, clean, rate=RATE), estoi(estimate, clean, rate=RATE), si_sdr(estimate, clean)])


def score_conditions(by_condition: dict[str, list[tuple[np.ndarray, np.ndarray]]], enhance: Enhancer,
                     mixes: list[float], only: str = "") -> None:
    """Print, per condition of ``by_condition`` (condition -> [(clean, noisy)], as :func:`conditions` makes them),
    mean PESQ-WB / ESTOI / SI-SDR of the noisy input, speech/wiener with its defaults and
    every ``(label, output)`` that ``enhance(noisy)`` yields, at every output mix; ``wins``: the share of files on
    which a method beats both the noisy input and speech/wiener on all three metrics."""
    wiener = PluginHost().pipeline("speech/wiener")
    run_wiener, defaults = wiener.factory(), wiener.defaults()
    print(f"{len(next(iter(by_condition.values())))} valid utterances; PESQ-WB / ESTOI / SI-SDR dB (mean), wins = "
          "share beating noisy and speech/wiener on all three")
    for condition, items in by_condition.items():
        if only and condition != only:
            continue
        rows: dict[str, list[np.ndarray]] = {}
        for clean, noisy in items:
            ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
            w = run_wiener(Sample(array=noisy[:, None], axes="TC", format="wav", rate=RATE), defaults, ctx)
            rows.setdefault("noisy", []).append(score(noisy, clean))
            rows.setdefault("speech/wiener", []).append(score(w.sample.array[:, 0], clean))
            for label, out in enhance(noisy):
                for mix in mixes or [0.0]:
                    rows.setdefault(f"{label} mix {mix:g}", []).append(score((1 - mix) * out + mix * noisy, clean))
        base = np.maximum(np.array(rows["noisy"]), np.array(rows["speech/wiener"]))
        print(f"\n{condition}\n| method | PESQ-WB | ESTOI | SI-SDR dB | wins |\n|---|---|---|---|---|")
        for label, values in rows.items():
            v = np.array(values)
            wins = np.mean(np.all(v > base, axis=1))
            print(f"| {label} | {v[:, 0].mean():.3f} | {v[:, 1].mean():.3f} | {v[:, 2].mean():.2f} | {wins:.2f} |",
                  flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("weights", type=Path, nargs="+")
    p.add_argument("--data", type=Path, default=Path("/tmp/speech-train"))
    p.add_argument("--files", type=int, default=0, help="the first N valid pairs (0: all)")
    p.add_argument("--mix", type=float, action="append", default=[], help="output mix to try (default 0)")
    p.add_argument("--only", default="", help="a single condition")
    a = p.parse_args()
    torch.set_num_threads(1)
    pairs = read_pairs(pair_files(a.data, "valid", (".wav",)), read16k)[: a.files or None]
    models = {path: load_model(path) for path in a.weights}

    def enhance(noisy: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
        for path, model in models.items():
            with torch.no_grad():
                out = enhance_offline(model, torch.from_numpy(noisy)[None, None])[0].numpy()
            yield f"{path.parent.name}/{path.name}", out

    score_conditions(conditions(pairs), enhance, a.mix, a.only)


if __name__ == "__main__":
    main()
