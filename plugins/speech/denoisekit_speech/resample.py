"""Resampling between a file's rate and a model's rate (torchaudio's windowed-sinc resampler)."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


def resample_tensor(x: torch.Tensor, rate: float, target: float) -> torch.Tensor:
    """``x`` (..., samples) from ``rate`` to ``target`` along the last axis, on its device.

    torchaudio.functional.resample (band-limited sinc interpolation, Hann window, ``lowpass_filter_width`` 6,
    rolloff 0.99); the rates are reduced to a ratio of integers, so 44.1 kHz -> 16 kHz is exact."""
    import torchaudio.functional as AF

    if rate == target:
        return x
    ratio = Fraction(rate).limit_denominator(10_000) / Fraction(target).limit_denominator(10_000)
    return AF.resample(x, ratio.numerator, ratio.denominator)


def resample(signal: np.ndarray, rate: float, target: float) -> np.ndarray:
    """``signal`` (..., samples) at ``rate`` resampled to ``target``, float32 (see :func:`resample_tensor`)."""
    import torch

    signal = np.ascontiguousarray(signal, dtype=np.float32)
    if rate == target:
        return signal.copy()
    return resample_tensor(torch.from_numpy(signal), rate, target).numpy()


def to_model_rate(signal: np.ndarray, rate: float, model_rate: float) -> np.ndarray:
    """``signal`` at the model's rate (a copy when the file is already at it)."""
    return resample(signal, rate, model_rate)


def from_model_rate(signal: np.ndarray, model_rate: float, rate: float, length: int) -> np.ndarray:
    """A model's output back at the file's ``rate``, cut or zero-padded to the input's ``length`` samples."""
    out = resample(signal, model_rate, rate)
    if out.shape[-1] >= length:
        return out[..., :length]
    pad = [(0, 0)] * (out.ndim - 1) + [(0, length - out.shape[-1])]
    return np.pad(out, pad)
