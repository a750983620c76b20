"""Frame sequences (ultrasound cine loops, videos; axes with ``T`` beside ``H``, ``W``): first, middle and
last frame."""

from __future__ import annotations

import numpy as np

from denoisekit.previews.image import middle_plane
from denoisekit.previews.panels import ImagePanel
from denoisekit.sample import Sample


def sequence_preview(sample: Sample) -> list[ImagePanel]:
    """Frames 0, n // 2 and n - 1 of the ``T`` axis (magnitude of complex data), one row each."""
    t = sample.axes.index("T")
    n = sample.array.shape[t]
    axes = sample.axes.replace("T", "")
    panels = []
    for name, i in (("first", 0), ("middle", n // 2), ("last", n - 1)):
        frame = middle_plane(np.take(sample.array, i, axis=t), axes)
        if np.iscomplexobj(frame):
            frame = np.abs(frame)
        panels.append(ImagePanel(f"{name} frame ({i})", frame.astype(np.float64), window=sample.display_window))
    return panels
