"""The two kinds of panel a preview returns; :func:`denoisekit.report.make_report` draws them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ImagePanel:
    """A picture: ``image`` is (H, W) or (H, W, 3) (RGB).

    window: values shown black and white (None: the percentiles of the row's base sample, shared by
        the row's panels, as for every image in report.png).
    cmap: matplotlib colour map for (H, W) images.
    extent: (left, right, bottom, top) in axis units with ``labels`` = (x label, y label): drawn with
        axes and free aspect (a spectrogram); None: pixels, equal aspect, no axes.
    marks: (row, column) pixels to mark (a cube's spectra).
    compare: whether the difference column shows this panel's difference.
    """

    title: str
    image: np.ndarray
    window: tuple[float, float] | None = None
    cmap: str = "gray"
    extent: tuple[float, float, float, float] | None = None
    labels: tuple[str, str] = ("", "")
    marks: tuple[tuple[int, int], ...] = ()
    compare: bool = True


@dataclass(frozen=True)
class LinePanel:
    """Curves over a shared x axis: ``y`` is (curves, points), ``x`` (points,)."""

    title: str
    x: np.ndarray
    y: np.ndarray
    labels: tuple[str, str] = ("", "")
    legend: tuple[str, ...] = ()
    compare: bool = True


Panel = ImagePanel | LinePanel
