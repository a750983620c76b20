"""Spectral cubes (``H``, ``W`` and many bands ``C``): a false-colour RGB of three bands and the spectra of
a few marked pixels."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from denoisekit.previews.panels import ImagePanel, LinePanel
from denoisekit.sample import Sample

RGB_NM = (640.0, 550.0, 460.0)  # red, green, blue (nm) when the wavelengths are known


def default_bands(bands: int, wavelengths: Sequence[float] | None = None) -> tuple[int, int, int]:
    """Red, green, blue band indices: the bands nearest :data:`RGB_NM` when the wavelengths are given
    (in nm, or in micrometres when all are below 100), else the bands at 3/4, 1/2 and 1/4 of the cube
    (longer wavelengths last, as usual)."""
    if wavelengths is not None and len(wavelengths) == bands:
        nm = np.asarray(wavelengths, dtype=np.float64)
        nm = nm * 1000 if nm.max() < 100 else nm
        return tuple(int(np.argmin(np.abs(nm - target))) for target in RGB_NM)  # type: ignore[return-value]
    return (3 * (bands - 1)) // 4, (bands - 1) // 2, (bands - 1) // 4


def marked_pixels(height: int, width: int) -> tuple[tuple[int, int], ...]:
    """Three pixels on the diagonal (at 1/4, 1/2 and 3/4) whose spectra are drawn."""
    return tuple((height * k // 4, width * k // 4) for k in (1, 2, 3))


def cube_preview(sample: Sample, bands: tuple[int, int, int] | None = None,
                 wavelengths: Sequence[float] | None = None) -> list[ImagePanel | LinePanel]:
    """False colour from ``bands`` (red, green, blue indices; default :func:`default_bands`) and the
    spectra at :func:`marked_pixels`, against ``wavelengths`` when given, else band numbers. Only those
    three bands and pixels are read, so a memory-mapped cube stays mapped."""
    if not {"H", "W", "C"} <= set(sample.axes):
        raise ValueError(f"axes {sample.axes!r}: a cube needs H, W and C")
    cube = np.moveaxis(np.asarray(sample.array), [sample.axes.index(a) for a in "HWC"], [-3, -2, -1])
    while cube.ndim > 3:
        cube = cube[cube.shape[0] // 2]
    height, width, count = cube.shape
    red_green_blue = bands if bands is not None else default_bands(count, wavelengths)
    if any(not 0 <= b < count for b in red_green_blue):
        raise ValueError(f"bands {red_green_blue}: the cube has {count} bands")
    rgb = np.stack([np.abs(cube[..., b]) for b in red_green_blue], axis=-1).astype(np.float64)
    pixels = marked_pixels(height, width)
    spectra = np.abs(np.stack([cube[r, c, :] for r, c in pixels])).astype(np.float64)
    known = wavelengths is not None and len(wavelengths) == count
    x = np.asarray(wavelengths, dtype=np.float64) if known else np.arange(count, dtype=np.float64)
    return [
        ImagePanel(f"bands {red_green_blue} as RGB", rgb, window=sample.display_window, marks=pixels),
        LinePanel("spectra", x, spectra, labels=("wavelength" if known else "band", "value"),
                  legend=tuple(f"({r}, {c})" for r, c in pixels)),
    ]
