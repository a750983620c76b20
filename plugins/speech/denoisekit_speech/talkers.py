"""``denoisekit data build speech-talkers``: real wideband talkers at 16 kHz, as babble sources for training and for
a validation condition that resembles the held-out babble (real wideband voices, none of them in training).

Source: Debian ``klettres-data`` (KDE's KLettres, GPL-2+): letters and syllables spoken by one native speaker per
language, 44.1 kHz Ogg Vorbis, 20 languages, 51 minutes. Every file of a language is read, resampled to 16 kHz,
trimmed of leading and trailing silence and the files are concatenated (in name order, 50 ms of silence between
them) into one *talker* per language: ``{train,valid}/LANG.wav``. The split is by language (so by speaker):
:data:`VALID_LANGUAGES` are kept for the validation babble, the others are the training babble pool. Held-out
evaluation speech (pyannote.audio's sample.wav, the CMU ARCTIC files) is never used.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import InputError, UserError, dataset_progress, manifest_matches, write_manifest

KLETTRES = Path("/usr/share/klettres")
RATE = 16000
GAP_S = 0.05
VERSION = 1
# English (two speakers), French, Italian and Spanish: wideband talkers that never enter the training pool
VALID_LANGUAGES = ("en", "en_GB", "fr", "it", "es")
LICENCE = "GPL-2+"


def languages(root: Path = KLETTRES) -> list[str]:
    """The language folders of a KLettres tree that hold sound files."""
    return sorted(d.name for d in root.iterdir() if d.is_dir() and any(d.glob("*/*.ogg")))


def talker(folder: Path) -> np.ndarray:
    """One language's letters and syllables (``folder/*/*.ogg``) as one float32 16 kHz stream: each file resampled,
    trimmed (:func:`denoisekit_speech.train_set._trim`), 50 ms of silence between files."""
    from denoisekit_speech.train_set import _read, _trim

    gap = np.zeros(int(GAP_S * RATE), dtype=np.float32)
    parts = []
    for path in sorted(folder.glob("*/*.ogg")):
        x = _trim(_read(path))
        if x.size:
            parts += [x.astype(np.float32), gap]
    if not parts:
        raise InputError(folder, "no readable speech in this folder's */*.ogg files")
    return np.concatenate(parts)


def build_speech_talkers(root: Path, source: Path | None = None) -> Path:
    """Build ``root/speech-talkers`` from ``source`` (the KLettres tree, default :data:`KLETTRES`); idempotent: nothing
    is done when its manifest has the same parameters."""

    import soundfile as sf

    source = Path(source or KLETTRES)
    if not source.is_dir() or not any(source.glob("*/*/*.ogg")):
        raise UserError(f"speech-talkers needs the Debian package klettres-data ({source} not found): "
                        "apt-get install -y klettres-data")
    folder = Path(root) / "speech-talkers"
    names = languages(source)
    parameters = {"version": VERSION, "rate": RATE, "gap_s": GAP_S, "valid": list(VALID_LANGUAGES),
                  "languages": names}
    if manifest_matches(folder, parameters):
        return folder
    files = []
    for lang in dataset_progress(names, "speech-talkers"):
        split = "valid" if lang in VALID_LANGUAGES else "train"
        audio = talker(source / lang)
        (folder / split).mkdir(parents=True, exist_ok=True)
        sf.write(folder / split / f"{lang}.wav", audio, RATE, subtype="PCM_16")
        files.append({"file": f"{split}/{lang}.wav", "split": split, "source": f"klettres-data:{lang}",
                      "licence": LICENCE, "seconds": round(audio.size / RATE, 2)})
    write_manifest(folder, {"parameters": parameters, "files": files,
                            "counts": {s: sum(f["split"] == s for f in files) for s in ("train", "valid")}})
    return folder


def read_talkers(folder: Path, split: str) -> list[np.ndarray]:
    """The talkers of ``folder/split/*.wav`` as float32 mono arrays at 16 kHz (any rate is resampled)."""
    from denoisekit_speech.train_set import _read

    paths = sorted((Path(folder) / split).glob("*.wav"))
    if not paths:
        raise InputError(Path(folder) / split, "no talker (*.wav) in this folder")
    return [_read(p) for p in paths]


class TalkerFolder(Sequence):
    """The talkers of a built speech-talkers folder (train, then valid); items ``{"x": audio, "rate": r}``."""

    def __init__(self, folder: Path):
        self.paths = [p for split in ("train", "valid") for p in sorted((Path(folder) / split).glob("*.wav"))]
        if not self.paths:
            raise InputError(folder, "holds no {train,valid}/*.wav talker")

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> dict[str, Any]:  # type: ignore[override]
        import soundfile as sf

        x, rate = sf.read(self.paths[i], dtype="float32", always_2d=True)
        return {"x": x[:, 0], "rate": rate}
