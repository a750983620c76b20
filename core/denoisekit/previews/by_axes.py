"""The core's choice of preview when the format names none: by the sample's axes and dtype."""

from __future__ import annotations

import numpy as np

from denoisekit.previews.audio import audio_preview
from denoisekit.previews.complex_image import complex_preview
from denoisekit.previews.cube import cube_preview
from denoisekit.previews.image import image_preview
from denoisekit.previews.panels import Panel
from denoisekit.previews.sequence import sequence_preview
from denoisekit.sample import Sample

CUBE_MIN_BANDS = 5  # more channels than RGB(A): a spectral cube


def preview_for(sample: Sample) -> list[Panel]:
    """Audio (waveform and spectrogram) without ``H``/``W`` axes; with them: a sequence when ``T`` is there,
    complex magnitude and phase, a cube when ``C`` has at least :data:`CUBE_MIN_BANDS` entries, else the
    image preview."""
    axes = sample.axes
    if not {"H", "W"} <= set(axes):
        return audio_preview(sample)
    if "T" in axes:
        return sequence_preview(sample)
    if np.iscomplexobj(sample.array):
        return complex_preview(sample)
    if "C" in axes and sample.array.shape[axes.index("C")] >= CUBE_MIN_BANDS:
        return cube_preview(sample)
    return image_preview(sample)
