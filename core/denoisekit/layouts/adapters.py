"""The layout of each kind of data the domains have, as a :class:`~denoisekit.layouts.view.View` and back.

=============  ===================  ==========================================================================
adapter        view                 data
=============  ===================  ==========================================================================
as_stack       (N, C, H, W)         2-D/3-D images, volumes and series of slices (N: every axis but C, H, W)
as_cube        (N, C, H, W)         spectral cubes, bands first, whatever the interleave (BSQ CHW, BIL HCW, BIP HWC)
as_coils       (N, K, H, W)         complex images and multi-coil k-space (K: coils, size 1 for one coil)
as_audio       (N, C, T)            1-D audio, one or several channels, at the sample's ``rate``
as_frames      (N, T, C, H, W)      frame sequences (video, dynamic series), grey or colour
=============  ===================  ==========================================================================

Each returns a view whose ``restore(out, sample)`` gives a sample of the input's axes (and, with
``keep_dtype=True``, its dtype): view -> restore is an exact round trip.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from denoisekit.errors import InputError
from denoisekit.layouts.view import REAL, View, to_view
from denoisekit.sample import Sample

INTERLEAVE_AXES = {"bsq": "CHW", "bil": "HCW", "bip": "HWC"}  # ENVI's band interleaves as axis letters


def _where(sample: Sample) -> Path:
    return sample.path or Path("<input>")


def _at_least_2x2(view: View, sample: Sample, name: str) -> View:
    h, w = view.array.shape[-2:]
    if min(h, w) < 2:
        raise InputError(_where(sample), f"{name} needs images of at least 2x2 pixels, got {h}x{w}")
    return view


def as_stack(sample: Sample, name: str, *, complex_ok: bool = False, dtype: Any = REAL) -> View:
    """(N, C, H, W) slices (C of size 1 without a ``C`` axis); complex data only with ``complex_ok``."""
    if sample.array.dtype.kind == "c" and not complex_ok:
        raise InputError(_where(sample), f"complex values are not supported by {name}")
    return _at_least_2x2(to_view(sample, "CHW", name, required="HW", dtype=dtype), sample, name)


def as_cube(sample: Sample, name: str, *, dtype: Any = REAL) -> View:
    """(N, bands, H, W): the band axis ``C`` first, whatever order the file stores the cube in; ``restore`` with
    ``clip=True`` clips to the input's [min, max] for integer cubes too."""
    view = to_view(sample, "CHW", name, dtype=dtype)
    return _at_least_2x2(replace(view, clip_to_data=True), sample, name)


def as_coils(sample: Sample, name: str, *, dtype: Any = REAL) -> View:
    """(N, K, H, W) complex (or real) images or k-space, coils ``K`` (size 1 when the sample has none)."""
    return to_view(sample, "KHW", name, required="HW", dtype=dtype)


def as_audio(sample: Sample, name: str, *, dtype: Any = REAL) -> View:
    """(N, C, T) audio (C of size 1 for mono); the view's ``rate`` is the sample's."""
    return to_view(sample, "CT", name, required="T", dtype=dtype)


def as_frames(sample: Sample, name: str, *, dtype: Any = REAL) -> View:
    """(N, T, C, H, W) frame sequences (C of size 1 for grey frames)."""
    return to_view(sample, "TCHW", name, required="THW", dtype=dtype)
