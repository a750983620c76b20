"""Ultrasound image-quality metrics on B-mode images, with regions from the data.

- gCNR (Rodriguez-Molares et al., IEEE TUFFC 67(4), 2020, Eq. 9): ``1 - sum_k min(f_k, g_k)`` of the two regions'
  histograms on 256 bins shared by both (edges from the pooled values), each normalised to sum 1.
- CNR: the DehazingEcho2025 challenge's ``(mu1 - mu2) / sqrt(s1^2 + s2^2)`` on the dB image (60 dB dynamic
  range), region 1 the tissue (myocardium) and region 2 the cavity. (zea's dB form is not used.)
- KS: the two-sample Kolmogorov-Smirnov statistic (``scipy.stats.ks_2samp``) of a region's dB values in the
  estimate against the same region in the reference (low: the region's distribution is kept).
- PSNR on dB images: data range = the reference's range (60 dB for the dB image of RF/IQ, 255 for 8-bit B-mode).

The metric records (``fn(estimate, reference, data_range, axes, regions=None)``, registered with
``needs=("regions",)``) turn a zea array (``THWC``: RF or IQ) into dB frames, take anything else as a B-mode
image, and use the regions that came with the reference (``Sample.regions``: in its file or beside it), else
:func:`regions_from_reference`.
"""

from __future__ import annotations

import numpy as np

from denoisekit_ultrasound.transforms import DYNAMIC_RANGE, envelope, log_compress

BINS = 256


def gcnr(inside: np.ndarray, outside: np.ndarray, bins: int = BINS) -> float:
    """Generalised contrast-to-noise ratio of two samples of pixel values, in [0, 1]."""
    a, b = np.ravel(inside).astype(np.float64), np.ravel(outside).astype(np.float64)
    edges = np.histogram_bin_edges(np.concatenate([a, b]), bins)
    f = np.histogram(a, edges)[0] / a.size
    g = np.histogram(b, edges)[0] / b.size
    return float(1.0 - np.minimum(f, g).sum())


def cnr(tissue: np.ndarray, cavity: np.ndarray) -> float:
    """``(mu_tissue - mu_cavity) / sqrt(s_tissue^2 + s_cavity^2)`` (values in dB)."""
    a, b = np.ravel(tissue).astype(np.float64), np.ravel(cavity).astype(np.float64)
    return float((a.mean() - b.mean()) / max(np.sqrt(a.var() + b.var()), 1e-12))


def ks(estimate: np.ndarray, reference: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic between two samples of values."""
    from scipy.stats import ks_2samp

    return float(ks_2samp(np.ravel(estimate), np.ravel(reference)).statistic)


def psnr_db(estimate_db: np.ndarray, reference_db: np.ndarray, dynamic_range: float = DYNAMIC_RANGE) -> float:
    mse = float(np.mean((np.asarray(estimate_db, np.float64) - reference_db) ** 2))
    return float(10 * np.log10(dynamic_range**2 / max(mse, 1e-12)))


def to_db(array: np.ndarray, axes: str) -> np.ndarray:
    """(frames, z, x) dB images: the envelope of RF/IQ (zea ``THWC``, against the array's peak), or a B-mode
    image as it is (``HW``, ``THW``: grey levels or dB)."""
    array = np.asarray(array)
    if axes.endswith("C") and "H" in axes and array.shape[-1] in (1, 2) and "T" in axes:
        data = array.astype(np.float64)
        signal = data[..., 0] + 1j * data[..., 1] if data.shape[-1] == 2 else data[..., 0]
        return log_compress(envelope(signal, axis=1))
    data = array.astype(np.float64)
    return data.reshape((-1, *data.shape[-2:]))


def regions_from_reference(reference_db: np.ndarray) -> dict[str, np.ndarray]:
    """Regions when the data carry none: on the reference's mean frame smoothed over 3 pixels, the darkest 15 %
    of the pixels are ``cavity``, the brightest 30 % ``myocardium`` (a fallback: outside a sector counts as dark)."""
    from scipy.ndimage import gaussian_filter

    mean = gaussian_filter(np.mean(reference_db, axis=0), 3.0)
    low, high = np.percentile(mean, [15, 70])
    return {"cavity": mean <= low, "myocardium": mean >= high}


def _frames(estimate, reference, axes, regions):
    """dB frames of both and, per frame, the region masks ((z, x) masks hold for every frame)."""
    est, ref = to_db(estimate, axes), to_db(reference, axes)
    found = regions if regions and {"cavity", "myocardium"} <= set(regions) else regions_from_reference(ref)
    per_frame = [{k: (m[i] if m.ndim == 3 else m) for k, m in found.items()} for i in range(len(est))]
    return est, ref, per_frame


def us_gcnr(estimate, reference, data_range=None, axes="THWC", regions=None) -> float:
    """Mean over frames of gCNR(cavity, myocardium) of the estimate's dB image."""
    est, _, rs = _frames(estimate, reference, axes, regions)
    return float(np.mean([gcnr(f[r["cavity"]], f[r["myocardium"]]) for f, r in zip(est, rs, strict=True)]))


def us_cnr(estimate, reference, data_range=None, axes="THWC", regions=None) -> float:
    est, _, rs = _frames(estimate, reference, axes, regions)
    return float(np.mean([cnr(f[r["myocardium"]], f[r["cavity"]]) for f, r in zip(est, rs, strict=True)]))


def us_ks_myocardium(estimate, reference, data_range=None, axes="THWC", regions=None) -> float:
    """Mean over frames of the myocardium's KS statistic against the reference (lower: tissue kept)."""
    est, ref, rs = _frames(estimate, reference, axes, regions)
    return float(np.mean([ks(e[r["myocardium"]], f[r["myocardium"]]) for e, f, r in zip(est, ref, rs, strict=True)]))


def us_psnr_db(estimate, reference, data_range=None, axes="THWC", regions=None) -> float:
    est, ref, _ = _frames(estimate, reference, axes, regions)
    return psnr_db(est, ref, float(np.ptp(ref)) if np.ptp(ref) > 0 else DYNAMIC_RANGE)
