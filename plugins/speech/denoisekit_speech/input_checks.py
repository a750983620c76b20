"""Refusing audio that a speech pipeline cannot enhance, with one line naming the file (exit 2, nothing written).

Every speech pipeline calls :func:`check_speech` on its input before any work. Besides what the readers and the
run contract refuse (not audio, truncated, no samples, NaN or Inf), it refuses:

- all-zero audio, or one all-zero channel (a dead microphone);
- DC only: a constant signal (its standard deviation below 1e-6 of full scale, or below 1e-4 of its mean);
- clipped audio: at least :data:`CLIP_FRACTION` (0.1 %) of a channel's samples lie in runs of
  :data:`CLIP_RUN` (3) or more consecutive samples at or above :data:`CLIP_LEVEL` (99.9 %) of full scale
  (1.0 for float files): a recording flattened at full scale over several consecutive samples, not a few peaks
  that touch it;
- more channels than the pipeline takes (``max_channels``: 2 for a two-microphone pipeline);
- a rate below the pipeline's ``min_rate`` (8 kHz: below it there is no speech band left to enhance).
"""

from __future__ import annotations

import numpy as np

from denoisekit.api import InputError, Sample

CLIP_LEVEL = 0.999
CLIP_RUN = 3
CLIP_FRACTION = 1e-3
MIN_RATE = 8000.0


def clipped_fraction(x: np.ndarray, level: float = CLIP_LEVEL, run: int = CLIP_RUN) -> float:
    """The fraction of the samples of ``x`` (1-D, full-scale units) lying in runs of ``run`` or more consecutive
    samples with ``|x| >= level``."""
    hot = np.abs(x) >= level
    if not hot.any():
        return 0.0
    edges = np.diff(np.concatenate([[0], hot.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    lengths = ends - starts
    return float(lengths[lengths >= run].sum()) / x.size


def check_speech(sample: Sample, values: np.ndarray, *, max_channels: int = 2, min_rate: float = MIN_RATE) -> None:
    """Raise an InputError naming ``sample.path`` when the audio cannot be enhanced (see the module docstring).

    values: the sample as (channels, samples) in full-scale units."""
    path = sample.path if sample.path is not None else "input"
    if sample.rate is None:
        raise InputError(path, "has no sample rate")
    if sample.rate < min_rate:
        raise InputError(path, f"sample rate {sample.rate:g} Hz is below the {min_rate:g} Hz this pipeline needs")
    if values.shape[0] > max_channels:
        raise InputError(path, f"has {values.shape[0]} channels; this pipeline takes at most {max_channels}")
    peak = float(np.max(np.abs(values)))
    if peak == 0.0:
        raise InputError(path, "is silent: every sample is zero")
    for c, x in enumerate(values):
        if not np.any(x):
            raise InputError(path, f"channel {c} is silent: every sample is zero")
        spread, mean = float(np.std(x)), abs(float(np.mean(x)))
        if spread < max(1e-6, 1e-4 * mean):
            raise InputError(path, f"channel {c} is constant (DC only, level {float(np.mean(x)):.4g} of full "
                                   "scale): no signal to enhance")
        fraction = clipped_fraction(x)
        if fraction >= CLIP_FRACTION:
            raise InputError(path, f"channel {c} is clipped: {100 * fraction:.2f}% of its samples sit at full "
                                   f"scale in runs of {CLIP_RUN} or more (limit {100 * CLIP_FRACTION:g}%)")
