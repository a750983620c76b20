"""The B-mode view of a sample, for the methods that work on log-compressed images (NLM, the B-mode dehazer,
the SVD filter on DICOM): zea RF/IQ frames become dB images (60 dB below the sequence's peak), DICOM frames are
already log-compressed grey levels. ``restore`` writes processed images back in the input's form: for RF/IQ the
new envelope with the input's phase (``peak 10^(dB / 20) e^{i phase}``), for DICOM the grey levels in the
input's dtype.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from denoisekit.api import InputError, Sample, to_dtype
from denoisekit_ultrasound.transforms import DYNAMIC_RANGE, log_compress, log_expand


@dataclass(frozen=True)
class BMode:
    """``frames`` (T, H, W) float64 images; ``low``, ``high``: the range they live in (dB or grey levels)."""

    frames: np.ndarray
    low: float
    high: float
    sample: Sample
    analytic: np.ndarray | None = None  # (T, z, x) complex signal of RF/IQ input
    peak: float = 1.0

    def restore(self, frames: np.ndarray) -> Sample:
        frames = np.clip(np.asarray(frames, np.float64).reshape(self.frames.shape), self.low, self.high)
        if self.analytic is None:
            return self.sample.with_array(to_dtype(frames.reshape(self.sample.array.shape), self.sample.array.dtype))
        env = log_expand(frames, self.peak)
        old = np.abs(self.analytic)
        signal = self.analytic * np.where(old > 0, env / np.maximum(old, 1e-300), 0.0)
        data = np.stack([signal.real, signal.imag], -1) if self.sample.array.shape[-1] == 2 else signal.real[..., None]
        return self.sample.with_array(data.astype(self.sample.array.dtype))


def bmode_of(sample: Sample) -> BMode:
    """The B-mode frames of a zea (``THWC``) or DICOM (``HW``/``THW``) sample."""
    if sample.format == "zea" or sample.axes == "THWC":
        data = np.asarray(sample.array, np.float64)
        if data.shape[-1] == 2:
            analytic = data[..., 0] + 1j * data[..., 1]
        else:
            from scipy.signal import hilbert

            analytic = hilbert(data[..., 0], axis=1)
        env = np.abs(analytic)
        peak = float(env.max())
        if peak <= 0:
            raise InputError(sample.path or "<input>", "the beamformed data are all zero")
        return BMode(log_compress(env, DYNAMIC_RANGE, peak), -DYNAMIC_RANGE, 0.0, sample, analytic, peak)
    if sample.axes not in ("HW", "THW"):
        raise InputError(sample.path or "<input>", f"expected B-mode frames (HW or THW), got axes {sample.axes!r}")
    frames = np.asarray(sample.array, np.float64).reshape((-1, *sample.array.shape[-2:]))
    top = sample.data_range if sample.data_range else float(frames.max())
    return BMode(frames, 0.0, float(top), sample)
