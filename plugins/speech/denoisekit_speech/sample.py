"""The speech sample: a short noisy/clean pair made from code alone (no package data, builds in CI).

Clean: 3 s of formant-synthesised speech (:mod:`denoisekit_speech.synth`, seed 0, f0 120 Hz) at 16 kHz, 16-bit.
Noisy: the clean signal plus pink noise and 50 Hz mains hum (3 harmonics, 10 dB below the pink noise), at an
overall SNR of 5 dB (:func:`denoisekit_speech.simulate.add_noise`, seed 0). Files: ``clean.wav``,
``noisy.wav`` and ``manifest.json`` (written last: the parameters and the measured SNR).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import DemoInputs, InputError, manifest_matches

RATE = 16000
SECONDS = 3.0
SNR_DB = 5.0
HUM_BELOW_DB = 10.0
SEED = 0
VERSION = 1


def _parameters() -> dict[str, Any]:
    return {"version": VERSION, "rate": RATE, "seconds": SECONDS, "snr_db": SNR_DB, "seed": SEED,
            "speech": "formant synthesiser, f0 120 Hz", "noise": f"pink + 50 Hz hum {HUM_BELOW_DB:g} dB below"}


def _is_built(directory: Path) -> bool:
    wavs = all((directory / n).is_file() for n in ("clean.wav", "noisy.wav"))
    return wavs and manifest_matches(directory, _parameters())


def make_pair(seconds: float = SECONDS, rate: int = RATE, snr: float = SNR_DB, seed: int = SEED
              ) -> tuple[np.ndarray, np.ndarray]:
    """(clean, noisy) float32 1-D at ``rate``: synthetic speech plus pink noise and hum at ``snr`` dB."""
    import torch

    from denoisekit_speech.simulate import add_noise, mains_hum, pink_noise
    from denoisekit_speech.synth import synthesize

    clean = torch.from_numpy(synthesize(seconds, rate, seed=seed))
    g = torch.Generator().manual_seed(seed)
    noise = pink_noise((clean.numel(),), g) + 10 ** (-HUM_BELOW_DB / 20) * mains_hum(clean.numel(), rate, harmonics=3,
                                                                                     generator=g)
    noisy = add_noise(clean, noise, snr)
    return clean.numpy(), noisy.numpy()


def build_speech_sample(directory: Path) -> DemoInputs:
    """Write the sample pair into ``directory`` (idempotent) and return it (input: noisy, reference: clean)."""
    import soundfile as sf

    directory = Path(directory)
    inputs = DemoInputs(input=directory / "noisy.wav", reference=directory / "clean.wav")
    if _is_built(directory):
        return inputs
    directory.mkdir(parents=True, exist_ok=True)
    clean, noisy = make_pair()
    peak = max(np.abs(noisy).max(), np.abs(clean).max())
    scale = 0.7 / peak  # the same gain on both: the pair stays aligned in level
    sf.write(directory / "clean.wav", clean * scale, RATE, subtype="PCM_16")
    sf.write(directory / "noisy.wav", noisy * scale, RATE, subtype="PCM_16")
    from denoisekit_speech.metrics import si_sdr_1d

    measured = si_sdr_1d(noisy, clean)
    (directory / "manifest.json").write_text(json.dumps(
        {"parameters": _parameters(), "files": ["clean.wav", "noisy.wav"], "si_sdr_db": round(measured, 2)},
        indent=2) + "\n")
    return inputs


def build_speech_sample_set(root: Path) -> Path:
    """``denoisekit data build speech-sample``: the sample pair under ``root/speech-sample``."""
    folder = Path(root) / "speech-sample"
    build_speech_sample(folder)
    return folder


class PairFolder(Sequence):
    """Clean/noisy pairs of a folder: ``clean.wav``/``noisy.wav`` (the sample), or the sgmse layout
    ``{train,valid,test}/{clean,noisy}/NAME.wav`` (every split). Items: ``{"x": clean, "y": noisy, "rate": r}``,
    float32 1-D (the first channel) in full-scale units."""

    def __init__(self, folder: Path):
        folder = Path(folder)
        if (folder / "clean.wav").is_file():
            self.pairs = [(folder / "clean.wav", folder / "noisy.wav")]
        else:
            splits = [folder / split / "clean" for split in ("train", "valid", "test")]
            cleans = [c for d in splits for c in sorted(d.glob("*.wav"))]
            self.pairs = [(c, c.parent.parent / "noisy" / c.name) for c in cleans]
        if not self.pairs:
            raise InputError(folder, "holds neither clean.wav/noisy.wav nor {train,valid,test}/{clean,noisy}/*.wav")
        for _, noisy in self.pairs:
            if not noisy.is_file():
                raise InputError(noisy, "file not found: every clean file needs its noisy twin")

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, i: int) -> dict[str, Any]:  # type: ignore[override]
        import soundfile as sf

        clean, rate = sf.read(self.pairs[i][0], dtype="float32", always_2d=True)
        noisy, _ = sf.read(self.pairs[i][1], dtype="float32", always_2d=True)
        return {"x": clean[:, 0], "y": noisy[:, 0], "rate": rate}
