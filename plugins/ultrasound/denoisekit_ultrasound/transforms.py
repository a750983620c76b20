"""Invertible and display transforms of ultrasound data: envelope detection, log compression, mu-law companding.

Beamformed data are RF (real, one channel) or IQ (complex baseband). The envelope is ``|IQ|``, or for RF the
magnitude of the analytic signal along depth (Hilbert transform). The B-mode image is the envelope in dB relative
to its maximum, clipped to the dynamic range (60 dB by default). mu-law companding (ITU-T G.711, mu = 255) maps
[-1, 1] to [-1, 1]; it is the data domain of Stevens et al. 2024 (Sec. III-C), applied to I and Q separately.
"""

from __future__ import annotations

import numpy as np

MU = 255.0
DYNAMIC_RANGE = 60.0


def envelope(data: np.ndarray, axis: int = 0) -> np.ndarray:
    """``|data|`` for complex IQ; for real RF the analytic signal's magnitude along ``axis`` (depth)."""
    if np.iscomplexobj(data):
        return np.abs(data)
    from scipy.signal import hilbert

    return np.abs(hilbert(np.asarray(data, dtype=np.float64), axis=axis))


def log_compress(env: np.ndarray, dynamic_range: float = DYNAMIC_RANGE, peak: float | None = None) -> np.ndarray:
    """``20 log10(env / peak)`` clipped to ``[-dynamic_range, 0]`` dB (``peak``: ``env.max()`` by default)."""
    peak = float(np.max(env)) if peak is None else float(peak)
    if peak <= 0:
        return np.full(np.shape(env), -float(dynamic_range))
    db = 20.0 * np.log10(np.maximum(env / peak, 10.0 ** (-dynamic_range / 20.0)))
    return np.clip(db, -dynamic_range, 0.0)


def log_expand(db: np.ndarray, peak: float = 1.0) -> np.ndarray:
    """The inverse of :func:`log_compress` inside the dynamic range: ``peak 10^(db / 20)``."""
    return peak * 10.0 ** (np.asarray(db) / 20.0)


def mu_law(x, mu: float = MU):
    """``sign(x) ln(1 + mu |x|) / ln(1 + mu)`` on [-1, 1] (numpy arrays or torch tensors)."""
    lib = _lib(x)
    return lib.sign(x) * lib.log1p(mu * lib.abs(x)) / np.log1p(mu)


def mu_law_inverse(c, mu: float = MU):
    """The inverse of :func:`mu_law`: ``sign(c) ((1 + mu)^|c| - 1) / mu``."""
    lib = _lib(c)
    return lib.sign(c) * lib.expm1(lib.abs(c) * np.log1p(mu)) / mu


def _lib(x):
    if type(x).__module__.startswith("torch"):
        import torch

        return torch
    return np
