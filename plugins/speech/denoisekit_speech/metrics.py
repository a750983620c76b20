"""Speech quality metrics with the core's metric signature ``fn(estimate, reference, data_range, axes)``.

- PESQ-WB (ITU-T P.862.2) through ``pesq``, at 16 kHz (other rates are resampled to 16 kHz first);
- ESTOI (extended short-time objective intelligibility, Jensen & Taal 2016) through ``pystoi``
  (``extended=True``; pystoi resamples to 10 kHz itself);
- SI-SDR (scale-invariant signal-to-distortion ratio, Le Roux et al., "SDR - half-baked or well done?",
  ICASSP 2019, Eq. 1-2), in numpy.

The time axis is ``T`` of ``axes`` (the last axis without one); every other axis is a channel and the
score is the mean over channels. PESQ-WB and ESTOI are registered with ``needs=("rate",)``, so the run contract
passes the reference file's rate; called without one, ``rate`` defaults to 16 kHz.
PESQ needs 0.25 s and ESTOI 30 frames of speech: a shorter signal (a test's toy array) is repeated periodically
to :data:`MIN_SECONDS` before scoring, so every call gives a number.
"""

from __future__ import annotations

import numpy as np

PESQ_RATE = 16000
MIN_SECONDS = 2.0  # shorter signals are tiled to this length (PESQ needs >= 0.25 s, ESTOI >= 30 frames at 10 kHz)


def channels(array: np.ndarray, axes: str) -> np.ndarray:
    """``array`` as (channels, samples) float64, time along ``T`` (else the last axis)."""
    array = np.asarray(array, dtype=np.float64)
    if "T" in axes and len(axes) == array.ndim:
        array = np.moveaxis(array, axes.index("T"), -1)
    else:
        array = array.reshape(1, -1)
    return array.reshape(-1, array.shape[-1])


def _tiled(x: np.ndarray, rate: float) -> np.ndarray:
    need = int(MIN_SECONDS * rate)
    return x if x.shape[-1] >= need else np.resize(x, need)


def si_sdr_1d(estimate: np.ndarray, reference: np.ndarray) -> float:
    """SI-SDR in dB of one channel: both zero-mean, target = <s_hat, s> s / ||s||^2 (Le Roux et al. 2019, Eq. 1)."""
    s = np.asarray(reference, dtype=np.float64) - np.mean(reference)
    s_hat = np.asarray(estimate, dtype=np.float64) - np.mean(estimate)
    energy = float(np.dot(s, s))
    if energy == 0.0:
        return float("nan")
    target = (np.dot(s_hat, s) / energy) * s
    error = s_hat - target
    num, den = float(np.dot(target, target)), float(np.dot(error, error))
    if den == 0.0:
        return float("inf") if num > 0 else float("nan")
    if num == 0.0:
        return float("-inf")
    return 10.0 * np.log10(num / den)


def si_sdr(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "T") -> float:
    """Mean SI-SDR (dB) over channels; ``data_range`` is unused (the measure is scale invariant)."""
    est, ref = channels(estimate, axes), channels(reference, axes)
    return float(np.mean([si_sdr_1d(e, r) for e, r in zip(est, ref, strict=True)]))


def estoi(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "T",
          rate: float = PESQ_RATE) -> float:
    """Mean ESTOI over channels (pystoi, ``extended=True``), in [0, 1] (1: the reference itself)."""
    from pystoi import stoi

    est, ref = channels(estimate, axes), channels(reference, axes)
    return float(np.mean([stoi(_tiled(r, rate), _tiled(e, rate), int(rate), extended=True)
                          for e, r in zip(est, ref, strict=True)]))


def pesq_wb(estimate: np.ndarray, reference: np.ndarray, data_range: float | None = None, axes: str = "T",
            rate: float = PESQ_RATE) -> float:
    """Mean wide-band PESQ over channels (MOS-LQO, about 1.0 to 4.64), at 16 kHz; NaN when the reference holds no
    utterance PESQ can find (its voice-activity detector)."""
    from pesq import NoUtterancesError, pesq

    from denoisekit_speech.resample import resample

    est, ref = channels(estimate, axes), channels(reference, axes)
    if rate != PESQ_RATE:
        est = resample(est, rate, PESQ_RATE).astype(np.float64)
        ref = resample(ref, rate, PESQ_RATE).astype(np.float64)
    scores = []
    for e, r in zip(est, ref, strict=True):
        try:
            scores.append(pesq(PESQ_RATE, _tiled(r, PESQ_RATE), _tiled(e, PESQ_RATE), "wb"))
        except NoUtterancesError:
            scores.append(float("nan"))
    return float(np.mean(scores))
