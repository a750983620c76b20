"""``ultrasound/svd-filter``: the spatiotemporal SVD clutter filter (Demene et al., "Spatiotemporal clutter
filtering of ultrafast ultrasound data highly increases Doppler and fUltrasound sensitivity", IEEE TMI 34(11),
2015, Eq. 2-4): the frames as the columns of the Casorati matrix S (pixels x frames), S = U diag(s) V^H, and the
first ``rank`` singular components (the part that is the same in every frame: static near-field clutter and
haze) removed. ``rank = 0`` chooses it from the singular-value curve: the elbow of log(s), the point farthest
from the chord between the first and last value. RF/IQ are filtered as complex IQ (linear); DICOM B-mode as
grey levels plus the removed part's mean grey level (an adaptation: the filter is linear, the log image
is not)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from denoisekit.api import InputError, PipelineResult, RunContext, Sample, to_dtype


def elbow_rank(singular: np.ndarray) -> int:
    """The number of leading components before the elbow of ``log(singular)`` (at least 1, at most n - 1)."""
    s = np.log(np.maximum(np.asarray(singular, np.float64), 1e-300))
    n = len(s)
    if n < 3:
        return 1
    i = np.arange(n)
    chord = s[0] + (s[-1] - s[0]) * i / (n - 1)
    return int(np.clip(np.argmax(chord - s), 1, n - 1))


def svd_filter(frames: np.ndarray, rank: int = 0) -> tuple[np.ndarray, int, np.ndarray]:
    """``frames`` (T, ...) with the first ``rank`` (0: :func:`elbow_rank`) singular components removed; also the
    rank used and the singular values."""
    t = frames.shape[0]
    casorati = frames.reshape(t, -1).T
    u, s, vh = np.linalg.svd(casorati, full_matrices=False)
    k = elbow_rank(s) if rank == 0 else min(rank, t - 1)
    clutter = (u[:, :k] * s[:k]) @ vh[:k]
    return (casorati - clutter).T.reshape(frames.shape), k, s


class SVDFilterPipeline:
    def __call__(self, sample: Sample, config, ctx: RunContext) -> PipelineResult:
        where = sample.path or "<input>"
        if "T" not in sample.axes or sample.array.shape[sample.axes.index("T")] < 3:
            n = sample.array.shape[sample.axes.index("T")] if "T" in sample.axes else 1
            raise InputError(where, f"ultrasound/svd-filter needs a sequence of at least 3 frames, got {n}")
        with ctx.stage("svd"):
            if sample.axes == "THWC":
                data = np.asarray(sample.array, np.float64)
                signal = data[..., 0] + 1j * data[..., 1] if data.shape[-1] == 2 else data[..., 0]
                out, k, s = svd_filter(signal, config["rank"])
                parts = [out.real, out.imag] if data.shape[-1] == 2 else [out.real]
                result = sample.with_array(np.stack(parts, -1).astype(sample.array.dtype))
            else:
                data = np.asarray(sample.array, np.float64)
                out, k, s = svd_filter(data, config["rank"])
                out += (data - out).mean()  # keep the mean grey level; the static pattern is gone
                result = sample.with_array(to_dtype(out, sample.array.dtype))
        restored = replace(result, description=f"svd-filter rank={k}")
        return PipelineResult(restored, notes={"rank": k, "singular_values": [float(v) for v in s[:16]]})
