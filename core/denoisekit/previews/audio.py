"""Audio (axes ``T``, ``CT`` or ``TC``, any sample rate, mono or multichannel): waveform and spectrogram."""

from __future__ import annotations

import numpy as np

from denoisekit.previews.panels import ImagePanel, LinePanel
from denoisekit.sample import Sample

WAVEFORM_POINTS = 4000  # a longer signal is drawn as its min/max envelope over this many points
MAX_FRAMES = 1000  # the spectrogram's hop grows for long signals so that it has at most this many frames
WINDOW_SECONDS = 0.032


def channels_first(sample: Sample) -> np.ndarray:
    """The signal as (channels, samples), float64: time along ``T`` (else the last axis), every other axis
    a channel (a mono ``T`` signal has one)."""
    array = np.asarray(sample.array)
    if np.iscomplexobj(array):
        array = np.abs(array)
    array = np.moveaxis(array, sample.axes.index("T") if "T" in sample.axes else -1, -1)
    return array.reshape(-1, array.shape[-1]).astype(np.float64)


def envelope(signal: np.ndarray, points: int = WAVEFORM_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(indices, values) drawing ``signal`` (channels, n) with at most ``points`` values per channel:
    the signal itself when short, else the minimum and maximum of each of ``points // 2`` buckets."""
    n = signal.shape[-1]
    if n <= points:
        return np.arange(n, dtype=np.float64), signal
    buckets = points // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    low = np.minimum.reduceat(signal, edges[:-1], axis=-1)
    high = np.maximum.reduceat(signal, edges[:-1], axis=-1)
    values = np.stack([low, high], axis=-1).reshape(signal.shape[0], -1)
    return np.repeat(edges[:-1], 2).astype(np.float64), values


def spectrogram(signal: np.ndarray, rate: float | None) -> tuple[np.ndarray, float, int]:
    """Power in dB, (frequencies, frames), of the channels' mean power: Hann windows of 32 ms (256 samples
    without a rate, both rounded to a power of two and cut to the signal), hop half a window or more
    (at most :data:`MAX_FRAMES` frames). Returns (power_db, hop, window length)."""
    n = signal.shape[-1]
    length = 256 if rate is None else 2 ** max(3, round(np.log2(rate * WINDOW_SECONDS)))
    length = int(min(length, 2 ** int(np.log2(max(n, 8)))))
    hop = max(length // 2, -(-(n - length) // (MAX_FRAMES - 1)) if n > length else 1)
    starts = np.arange(0, max(n - length, 0) + 1, hop)
    frames = signal[:, starts[:, None] + np.arange(length)] * np.hanning(length)
    power = (np.abs(np.fft.rfft(frames, axis=-1)) ** 2).mean(axis=0).T
    return 10 * np.log10(power + 1e-12 * max(power.max(), 1e-30)), float(hop), length


def audio_preview(sample: Sample, rate: float | None = None) -> list[LinePanel | ImagePanel]:
    """A waveform (one curve per channel) and the spectrogram, in seconds and Hz at ``rate`` samples per
    second (default: ``sample.rate``), in samples and cycles per sample without one."""
    rate = sample.rate if rate is None else rate
    signal = channels_first(sample)
    scale = 1.0 if rate is None else float(rate)
    x, y = envelope(signal)
    legend = tuple(f"channel {c}" for c in range(len(signal))) if len(signal) > 1 else ()
    time_label, freq_label = ("samples", "cycles / sample") if rate is None else ("s", "Hz")
    power, hop, length = spectrogram(signal, rate)
    duration = ((power.shape[1] - 1) * hop + length) / scale
    return [
        LinePanel("waveform", x / scale, y, labels=(time_label, "amplitude"), legend=legend),
        ImagePanel("spectrogram (dB)", power, cmap="magma", extent=(0.0, duration, 0.0, scale / 2),
                   labels=(time_label, freq_label)),
    ]
