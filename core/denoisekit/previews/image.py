"""The default preview of 2-D and 3-D images: the middle slice, colour kept for RGB(A) images."""

from __future__ import annotations

import numpy as np

from denoisekit.previews.panels import ImagePanel
from denoisekit.sample import Sample


def middle_plane(array: np.ndarray, axes: str) -> np.ndarray:
    """A 2-D (or (H, W, 3) RGB) plane of ``array``: the middle index of every ``D``/``T`` axis (and of
    any other axis beyond H, W, C), the channels kept when there are 3 or 4 (RGB), else averaged.
    Only that plane is read, so a memory-mapped volume stays mapped; the dtype is kept (complex too)."""
    for letter in "DT":
        if letter in axes:
            i = axes.index(letter)
            array = np.take(array, array.shape[i] // 2, axis=i)
            axes = axes[:i] + axes[i + 1:]
    if "C" in axes:
        array = np.moveaxis(array, axes.index("C"), -1)
        array = array[..., :3] if array.shape[-1] in (3, 4) else array.mean(axis=-1)
    while array.ndim > 3 or (array.ndim == 3 and array.shape[-1] != 3):
        array = array[array.shape[0] // 2]
    return np.asarray(array)


def image_preview(sample: Sample) -> list[ImagePanel]:
    """One grey (or RGB) panel: the middle slice, in the sample's ``display_window`` when it has one."""
    plane = middle_plane(sample.array, sample.axes)
    if np.iscomplexobj(plane):
        plane = np.abs(plane)
    return [ImagePanel("", plane.astype(np.float64), window=sample.display_window)]
