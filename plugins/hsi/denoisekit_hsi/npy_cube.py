"""The hsi domain's ``.npy`` format (``npy-cube``): a NumPy array holding one cube as (rows, columns, bands).

The convention: a cube ``.npy`` is ``HWC``, band-interleaved by pixel (BIP), as HyDe, scipy's ``.mat`` cubes
and most hyperspectral tools hold them in memory (``cube[r, c]`` is the spectrum of pixel (r, c)). The order is
not guessed from the shape: a cube may have more bands than rows (Indian Pines: 145 x 145 x 220), so no
shape tells a bands-first (BSQ, ``CHW``) array apart; save such an array with ``np.moveaxis(cube, 0, -1)``, or
as ENVI with ``interleave = bsq``. The image domain's ``npy`` reader labels the same array ``DHW`` (a stack
of slices), so the hsi pipelines list this format instead.

Read without pickles and memory-mapped copy-on-write when stored in the machine's byte order (like ENVI:
nothing is loaded before a pipeline touches it, and writing into the array never changes the file); checked
like every cube (3-D, at least 2 bands, integer or float, NaN/Inf bands listed). Written in the stored dtype.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from denoisekit.api import InputError, Sample, check_file, reason, to_dtype
from denoisekit_hsi.formats import check_cube

NPY_MAGIC = b"\x93NUMPY"


def read_npy_cube(path: Path) -> Sample:
    """The cube in a ``.npy`` file as an ``HWC`` Sample (see the module docstring)."""
    path = Path(path)
    check_file(path)
    with path.open("rb") as f:
        if f.read(len(NPY_MAGIC)) != NPY_MAGIC:
            raise InputError(path, "not a NumPy .npy file (bad magic bytes)")
    try:
        cube = np.load(path, mmap_mode="c", allow_pickle=False)
    except Exception as e:
        raise InputError(path, f"cannot read the .npy array ({reason(e)})") from None
    check_cube(path, cube)
    if not cube.dtype.isnative:
        cube = cube.astype(cube.dtype.newbyteorder("="))
    return Sample(cube, "HWC", "npy-cube", {"dtype": cube.dtype.str}, None, path)


def write_npy_cube(sample: Sample, path: Path) -> None:
    """``sample``'s (rows, columns, bands) array as ``.npy``, in the dtype it was read with."""
    dtype = np.dtype(sample.meta.get("dtype", sample.array.dtype))
    with Path(path).open("wb") as f:
        np.save(f, to_dtype(np.asarray(sample.array), dtype), allow_pickle=False)


def example_npy_cube() -> Sample:
    """A 12x10x6 float32 cube (rows, columns, bands)."""
    cube = (np.indices((12, 10, 6)).sum(axis=0) % 5 * 0.25).astype(np.float32)
    return Sample(cube, "HWC", "npy-cube", {"dtype": "<f4"})
