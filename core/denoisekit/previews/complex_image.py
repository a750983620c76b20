"""Complex images (MRI): magnitude and phase of the middle slice."""

from __future__ import annotations

import numpy as np

from denoisekit.previews.image import middle_plane
from denoisekit.previews.panels import ImagePanel
from denoisekit.sample import Sample


def complex_preview(sample: Sample) -> list[ImagePanel]:
    """Magnitude (grey, ``display_window`` honoured) and phase (cyclic colour map on [-pi, pi])."""
    plane = middle_plane(sample.array, sample.axes).astype(np.complex128)
    return [ImagePanel("magnitude", np.abs(plane), window=sample.display_window),
            ImagePanel("phase", np.angle(plane), window=(-np.pi, np.pi), cmap="twilight", compare=False)]
