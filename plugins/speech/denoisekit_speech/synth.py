"""A small source-filter (formant) speech synthesiser: speech-like test signals that need no package data.

Klatt-style cascade synthesis (D. H. Klatt, "Software for a cascade/parallel formant synthesizer", JASA 67(3),
1980): a glottal source (an impulse train at f0, with intonation and 1 % jitter, low-passed to a -12 dB/octave
spectral tilt) or aspiration noise drives five second-order resonators (Klatt's Eq. 2: ``y[n] = A x[n] + B y[n-1]
+ C y[n-2]``, C = -exp(-2 pi BW T), B = 2 exp(-pi BW T) cos(2 pi F T), A = 1 - B - C) whose frequencies move
between vowel targets (Peterson & Barney 1952 averages); syllables have a raised-cosine envelope, fricatives are
band-passed noise, and pauses separate words. It sounds robotic but has speech's harmonic, formant and
on/off structure, which is what the Wiener filter, the metrics and the tests need.
"""

from __future__ import annotations

import numpy as np

# F1, F2, F3 (Hz) of English vowels (Peterson & Barney 1952, adult male averages)
VOWELS = {
    "i": (270, 2290, 3010), "I": (390, 1990, 2550), "e": (530, 1840, 2480), "ae": (660, 1720, 2410),
    "a": (730, 1090, 2440), "o": (570, 840, 2410), "U": (440, 1020, 2240), "u": (300, 870, 2240),
    "V": (640, 1190, 2390), "3": (490, 1350, 1690),
}
HIGH_FORMANTS = (3500, 4500)
BANDWIDTHS = (60, 90, 150, 200, 250)


def resonator(x: np.ndarray, freqs: np.ndarray, bw: float, rate: float) -> np.ndarray:
    """Klatt's digital resonator with a time-varying centre frequency ``freqs`` (one per sample)."""
    from scipy.signal import lfilter

    t = 1.0 / rate
    c = -np.exp(-2 * np.pi * bw * t)
    if np.ptp(freqs) == 0:
        b = 2 * np.exp(-np.pi * bw * t) * np.cos(2 * np.pi * freqs[0] * t)
        return lfilter([1 - b - c], [1, -b, -c], x)
    b = 2 * np.exp(-np.pi * bw * t) * np.cos(2 * np.pi * freqs * t)
    a = 1 - b - c
    y = np.zeros_like(x)
    y1 = y2 = 0.0
    for n in range(x.size):  # time-varying: no lfilter
        y0 = a[n] * x[n] + b[n] * y1 + c * y2
        y[n], y2, y1 = y0, y1, y0
    return y


def _glottal(n: int, f0: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    from scipy.signal import lfilter

    phase = np.cumsum(f0 * (1 + 0.01 * rng.standard_normal(n)) / rate)
    pulses = np.diff(np.floor(phase), prepend=0.0)
    pole = np.exp(-2 * np.pi * 300 / rate)  # two poles: the -12 dB/octave glottal tilt
    return lfilter([1.0], [1, -2 * pole, pole * pole], pulses)


def synthesize(seconds: float, rate: float = 16000, *, seed: int = 0, f0: float = 120.0) -> np.ndarray:
    """Speech-like audio, ``seconds`` long at ``rate``, peak 0.5: words of 1 to 3 syllables (consonant-vowel)
    with pauses; the speaker's mean pitch is ``f0`` Hz (about 120 male, 210 female)."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    source_gain = np.zeros(n)
    fric = np.zeros(n)
    formants = np.zeros((3, n)) + np.array(VOWELS["3"])[:, None]
    pos = int(0.15 * rate)
    keys = list(VOWELS)
    while pos < n - int(0.2 * rate):
        for _ in range(rng.integers(1, 4)):
            if rng.random() < 0.5:  # a fricative onset: band-passed noise
                length = int(rng.uniform(0.05, 0.1) * rate)
                end = min(pos + length, n)
                fric[pos:end] = np.hanning(end - pos) * rng.uniform(0.3, 0.6)
                pos = end
            length = int(rng.uniform(0.12, 0.25) * rate)
            end = min(pos + length, n)
            target = np.array(VOWELS[keys[rng.integers(len(keys))]], dtype=float)
            start = formants[:, pos - 1] if pos > 0 else target
            ramp = np.minimum(np.arange(end - pos) / (0.04 * rate), 1.0)
            formants[:, pos:end] = start[:, None] + (target - start)[:, None] * ramp
            formants[:, end:] = target[:, None]
            source_gain[pos:end] = np.hanning(end - pos) ** 0.5
            pos = end
        pos += int(rng.uniform(0.08, 0.3) * rate)
    t = np.arange(n) / rate
    pitch = f0 * (1 + 0.15 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 2 * np.pi)) - 0.1 * t / max(seconds, 1e-9))
    voiced = _glottal(n, pitch, rate, rng) * source_gain
    x = voiced
    for k in range(3):
        x = resonator(x, formants[k], BANDWIDTHS[k], rate)
    for k, f in enumerate(HIGH_FORMANTS):
        if f < rate / 2 - 500:
            x = resonator(x, np.full(n, float(f)), BANDWIDTHS[3 + k], rate)
    x = x / (np.max(np.abs(x)) + 1e-12)
    noise = rng.standard_normal(n) * fric
    from scipy.signal import butter, sosfilt

    high = min(7000.0, 0.45 * rate)
    noise = sosfilt(butter(4, [min(3000.0, 0.5 * high), high], btype="band", fs=rate, output="sos"), noise)
    x = x + 0.3 * noise / (np.max(np.abs(noise)) + 1e-12)
    return (0.5 * x / np.max(np.abs(x))).astype(np.float32)
