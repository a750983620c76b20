"""Hyperspectral cube formats: ENVI (.hdr + binary, via SPy) and MATLAB .mat (v5 via scipy, v7.3 via h5py).

Every reader returns a :class:`denoisekit.sample.Sample` with axes ``HWC`` (C = bands) and keeps in
``meta``: ``dtype`` (the stored type, restored on writing), ``wavelength`` / ``fwhm`` (lists of floats
when the file has them) and the format's own header (``envi_header`` or ``mat_variable`` and the
file's other small variables), so a cube read and written keeps its metadata.

ENVI cubes are memory-mapped (``SpyFile.open_memmap``): the Sample's array is a read-only view of the
file in BIP order when its byte order is native, so nothing is loaded before a pipeline touches it;
:func:`band_blocks` and :func:`spatial_tiles` stream a cube larger than memory. Bad files raise
:class:`denoisekit.errors.InputError` with one line; writers are called by the runner inside its
atomic output directory, so a failed run leaves nothing behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import InputError, Sample, check_file, reason, to_dtype
from denoisekit_hsi.cube_layout import nonfinite_bands

INTERLEAVES = ("bsq", "bil", "bip")
MAT_VARIABLE_ENV = "DENOISEKIT_HSI_MAT_VARIABLE"
V73_THRESHOLD = 2**31 - 1  # MAT v5 stores at most 2 GB per variable
_HEADER_FIELDS_SET_BY_WRITER = ("lines", "samples", "bands", "header offset", "data type", "interleave",
                                "byte order", "file type", "description")
WAVELENGTH_KEYS = ("wavelength", "wavelengths", "wl", "bands_nm", "bands")  # "bands": ICVL's .mat files
WRITE_VALUES = 1 << 22  # values an ENVI writer converts and writes at a time
_SMALL_VARIABLE = 100_000  # other .mat variables up to this many elements are kept and written back




def _floats(values: Any) -> list[float] | None:
    if values is None:
        return None
    try:
        return [float(v) for v in np.ravel(np.asarray(values, dtype=np.float64))]
    except (TypeError, ValueError):
        return None


def check_cube(path: Path, cube: np.ndarray) -> None:
    """Refuse what no pipeline can denoise: not 3-D, one band, non-numeric, NaN/Inf bands (read in chunks of
    rows, so a memory-mapped cube is not loaded at once)."""
    if cube.ndim != 3:
        raise InputError(path, f"expected a 3-D cube (rows, columns, bands), got shape {cube.shape}")
    if cube.shape[2] < 2:
        raise InputError(path, f"a hyperspectral cube needs at least 2 bands, got {cube.shape[2]}")
    if cube.dtype.kind not in "iuf":
        raise InputError(path, f"unsupported data type {cube.dtype} (expected integer or float)")
    bad = nonfinite_bands(cube, band_axis=2)
    if bad:
        listed = ", ".join(str(b) for b in bad[:8]) + (", ..." if len(bad) > 8 else "")
        raise InputError(path, f"NaN or Inf values in {len(bad)} band(s) (0-based: {listed})")


# -- ENVI ----------------------------------------------------------------------------------------


def _envi_header(path: Path) -> dict[str, Any]:
    from spectral.io import envi

    check_file(path)
    try:
        header = envi.read_envi_header(str(path))
    except Exception as e:
        raise InputError(path, f"not an ENVI header ({reason(e)})") from None
    for key in ("lines", "samples", "bands", "data type", "interleave"):
        if key not in header:
            raise InputError(path, f"ENVI header lacks the required field {key!r}")
    interleave = str(header["interleave"]).strip().lower()
    if interleave not in INTERLEAVES:
        raise InputError(path, f"unknown interleave {header['interleave']!r} (expected bsq, bil or bip)")
    code = str(header["data type"]).strip()
    if code not in envi.envi_to_dtype:
        raise InputError(path, f"unknown ENVI data type {code!r}")
    if np.dtype(envi.envi_to_dtype[code]).kind == "c":
        raise InputError(path, f"complex ENVI data type {code} is not supported")
    if str(header.get("byte order", "0")).strip() not in ("0", "1"):
        raise InputError(path, f"unknown byte order {header['byte order']!r} (expected 0 or 1)")
    return header


def _envi_dtype(header: Mapping[str, Any]) -> np.dtype:
    from spectral.io import envi

    dtype = np.dtype(envi.envi_to_dtype[str(header["data type"]).strip()])
    return dtype.newbyteorder(">" if str(header.get("byte order", "0")).strip() == "1" else "<")


def _envi_data_file(path: Path, interleave: str) -> Path:
    for ext in ("", ".img", ".dat", ".raw", ".bin", f".{interleave}", ".IMG", ".DAT", ".RAW", ".BIN"):
        candidate = path.with_suffix(ext) if ext else path.with_suffix("")
        if candidate.is_file() and candidate != path:
            return candidate
    raise InputError(path, "no ENVI data file next to the header (looked for .img, .dat, .raw, .bin, none)")


def open_envi(path: Path) -> tuple[np.ndarray, dict[str, Any]]:
    """The cube of an ENVI header as a copy-on-write (rows, columns, bands) memmap, and the header dict.

    Checks the header against the binary's size (truncated or oversized files are refused).
    """
    path = Path(path)
    header = _envi_header(path)
    interleave = str(header["interleave"]).strip().lower()
    data_file = _envi_data_file(path, interleave)
    try:
        lines, samples, bands = (int(header[k]) for k in ("lines", "samples", "bands"))
        offset = int(header.get("header offset", 0))
    except ValueError as e:
        raise InputError(path, f"bad size field in the ENVI header ({reason(e)})") from None
    expected = offset + lines * samples * bands * _envi_dtype(header).itemsize
    actual = data_file.stat().st_size
    if actual != expected:
        problem = "truncated" if actual < expected else "larger than the header says"
        raise InputError(path, f"binary {data_file.name} is {problem}: {actual} bytes, the header "
                               f"({lines}x{samples}x{bands}, data type {header['data type']}) needs {expected}")
    layout = {"bsq": ((bands, lines, samples), (1, 2, 0)), "bil": ((lines, bands, samples), (0, 2, 1)),
              "bip": ((lines, samples, bands), (0, 1, 2))}[interleave]
    try:  # copy-on-write: a pipeline that writes into the array changes memory, never the file
        cube = np.memmap(data_file, dtype=_envi_dtype(header), mode="c", offset=offset, shape=layout[0])
    except Exception as e:
        raise InputError(path, f"cannot map the ENVI cube ({reason(e)})") from None
    return cube.transpose(layout[1]), header


def read_envi(path: Path) -> Sample:
    """An ENVI cube (any interleave, any byte order) as ``HWC``; native-order files stay memory-mapped."""
    path = Path(path)
    cube, header = open_envi(path)
    check_cube(path, cube)
    if not cube.dtype.isnative:
        cube = cube.astype(cube.dtype.newbyteorder("="))
    meta = {"dtype": cube.dtype.str, "envi_header": dict(header), "wavelength": _floats(header.get("wavelength")),
            "fwhm": _floats(header.get("fwhm")), "interleave": str(header["interleave"]).strip().lower(),
            "byte_order": int(str(header.get("byte order", "0")).strip())}
    return Sample(cube, "HWC", "envi", meta, None, path)


def _description(sample: Sample) -> str:
    old = str(sample.meta.get("envi_header", {}).get("description", "")).strip().strip("{}").strip()
    note = sample.description
    parts = [p for p in (old, f"denoisekit: {note}" if note else "") if p]
    return "; ".join(parts) or "written by denoisekit-hsi"


def write_envi(sample: Sample, path: Path) -> None:
    """Write ``sample`` as ENVI at ``path`` (.hdr) plus ``.img``, keeping the input's header fields
    (wavelength, fwhm, units, ...), interleave, data type and byte order; the description notes the
    processing."""
    from spectral.io import envi

    meta = sample.meta
    metadata = {k: v for k, v in meta.get("envi_header", {}).items() if k not in _HEADER_FIELDS_SET_BY_WRITER}
    for key in ("wavelength", "fwhm"):
        if meta.get(key) is not None:
            metadata[key] = [f"{v:g}" for v in meta[key]]
    metadata["description"] = _description(sample)
    cube = sample.array if sample.array.ndim == 3 else sample.array[:, :, None]
    dtype = np.dtype(meta.get("dtype", cube.dtype)).newbyteorder("=")
    interleave, byte_order = meta.get("interleave", "bsq"), int(meta.get("byte_order", 0))
    metadata.update({"lines": cube.shape[0], "samples": cube.shape[1], "bands": cube.shape[2], "header offset": 0,
                     "data type": envi.dtype_to_envi[dtype.char], "interleave": interleave, "byte order": byte_order,
                     "file type": "ENVI Standard"})
    envi.write_envi_header(str(path), metadata)
    stored = dtype.newbyteorder(">" if byte_order else "<")
    with open(path.with_suffix(".img"), "wb") as f:
        for block in _file_order_blocks(cube, interleave):
            f.write(to_dtype(np.asarray(block), dtype).astype(stored, copy=False).tobytes())


def _file_order_blocks(cube: np.ndarray, interleave: str) -> Iterator[np.ndarray]:
    """Consecutive pieces of the (rows, columns, bands) ``cube`` in the file order of ``interleave``, each about
    :data:`WRITE_VALUES` values, so that writing a cube copies a few MB at a time rather than the whole cube."""
    h, w, b = cube.shape
    if interleave == "bsq":
        step = max(1, WRITE_VALUES // (h * w))
        for start in range(0, b, step):
            yield cube[:, :, start:start + step].transpose(2, 0, 1)
        return
    step = max(1, WRITE_VALUES // (w * b))
    for start in range(0, h, step):
        rows = cube[start:start + step]
        yield rows if interleave == "bip" else rows.transpose(0, 2, 1)


def preview_cube(sample: Sample) -> list[Any]:
    """report.png of an ENVI, .mat or .npy cube: the core's cube preview, the RGB bands chosen by the
    header's wavelengths when it has them."""
    from denoisekit.api import cube_preview

    return cube_preview(sample, wavelengths=sample.meta.get("wavelength"))


def example_envi() -> Sample:
    """A 12x10x6 float32 BIL cube with wavelengths and FWHM."""
    cube = (np.indices((12, 10, 6)).sum(axis=0) % 7 * 0.125).astype(np.float32)
    wavelength = [450.0 + 50 * b for b in range(6)]
    return Sample(cube, "HWC", "envi", {"dtype": "<f4", "wavelength": wavelength, "fwhm": [10.0] * 6,
                                        "interleave": "bil", "envi_header": {"wavelength units": "Nanometers"}})


def band_blocks(cube: np.ndarray, block: int) -> Iterator[tuple[slice, np.ndarray]]:
    """(band slice, cube[:, :, band slice] loaded in memory) for consecutive blocks of ``block`` bands.

    With a memmap of a BSQ file each block reads a contiguous part of the file.
    """
    for start in range(0, cube.shape[2], block):
        bands = slice(start, min(start + block, cube.shape[2]))
        yield bands, np.array(cube[:, :, bands])


def spatial_tiles(cube: np.ndarray, tile: int, overlap: int = 0) -> Iterator[tuple[tuple[slice, slice], np.ndarray]]:
    """((row slice, column slice), tile with every band in memory) covering the cube with ``tile``-sized
    tiles that overlap by ``overlap`` pixels (the last row and column of tiles end at the border)."""
    h, w = cube.shape[:2]
    step = max(tile - overlap, 1)

    def starts(n: int) -> list[int]:
        return sorted({min(s, max(n - tile, 0)) for s in range(0, max(n - overlap, 1), step)})

    for r in starts(h):
        for c in starts(w):
            window = (slice(r, min(r + tile, h)), slice(c, min(c + tile, w)))
            yield window, np.array(cube[window])


# -- MATLAB .mat ---------------------------------------------------------------------------------


def _mat_v5_variables(path: Path) -> dict[str, np.ndarray] | None:
    """The numeric arrays of a MAT v4/v5 file; None for a v7.3 (HDF5) file."""
    import h5py
    import scipy.io

    if h5py.is_hdf5(path):
        return None
    try:
        data = scipy.io.loadmat(str(path))
    except NotImplementedError:  # scipy says: use an HDF reader for v7.3 files
        return None
    except Exception as e:
        raise InputError(path, f"not a readable MATLAB .mat file ({reason(e)})") from None
    return {k: v for k, v in data.items() if not k.startswith("__") and isinstance(v, np.ndarray)}


def _read_mat_v73(path: Path, variable: str | None) -> tuple[str, np.ndarray, dict[str, np.ndarray]]:
    """(name, cube, other small variables) of a v7.3 .mat (HDF5) file, axes reversed back to MATLAB's."""
    import h5py

    try:
        f = h5py.File(path, "r")
    except Exception as e:
        raise InputError(path, f"not a readable MATLAB .mat file ({reason(e)})") from None
    with f:
        datasets = {k: v for k, v in f.items() if isinstance(v, h5py.Dataset) and not k.startswith("#")}
        name = _pick_variable(path, {k: tuple(reversed(d.shape)) for k, d in datasets.items()}, variable)
        try:
            cube = np.asarray(datasets[name][()]).transpose(2, 1, 0)
            others = {k: np.asarray(d[()]).T for k, d in datasets.items()
                      if k != name and d.size <= _SMALL_VARIABLE and d.dtype.kind in "iuf"}
        except Exception as e:
            raise InputError(path, f"cannot read variable {name!r} ({reason(e)})") from None
    return name, cube, others


def _pick_variable(path: Path, shapes: Mapping[str, tuple[int, ...]], variable: str | None) -> str:
    if variable:
        if variable not in shapes:
            raise InputError(path, f"no variable {variable!r} (found: {_listing(shapes)})")
        if len(shapes[variable]) != 3:
            raise InputError(path, f"variable {variable!r} has shape {shapes[variable]}, not 3-D")
        return variable
    cubes = {k: s for k, s in shapes.items() if len(s) == 3}
    if not cubes:
        raise InputError(path, f"no 3-D array in the file (found: {_listing(shapes) or 'no variables'})")
    return max(cubes, key=lambda k: (int(np.prod(cubes[k])), k))


def _listing(shapes: Mapping[str, tuple[int, ...]]) -> str:
    return ", ".join(f"{k} {'x'.join(map(str, s)) or 'scalar'}" for k, s in shapes.items())


def read_mat(path: Path, variable: str | None = None) -> Sample:
    """The 3-D array of a .mat file (v5 or v7.3) as ``HWC``: ``variable``, else the environment variable
    ``DENOISEKIT_HSI_MAT_VARIABLE``, else the only or largest 3-D variable. HDF5-based v7.3 files store
    MATLAB's column-major (H, W, B) as (B, W, H): the axes are reversed back. Small other variables
    (wavelengths, ...) are kept in ``meta`` and written back."""
    path = Path(path)
    check_file(path)
    variable = variable or os.environ.get(MAT_VARIABLE_ENV) or None
    arrays = _mat_v5_variables(path)
    version = "5"
    if arrays is None:
        version = "7.3"
        name, cube, others = _read_mat_v73(path, variable)
    else:
        name = _pick_variable(path, {k: v.shape for k, v in arrays.items()}, variable)
        cube = arrays[name]
        others = {k: v for k, v in arrays.items() if k != name and v.size <= _SMALL_VARIABLE and v.dtype.kind in "iuf"}
    cube = np.ascontiguousarray(cube).astype(cube.dtype.newbyteorder("="), copy=False)
    check_cube(path, cube)
    wavelength = next((_floats(v) for k, v in others.items()
                       if k.lower() in WAVELENGTH_KEYS and v.size == cube.shape[2]),
                      None)
    meta = {"dtype": cube.dtype.str, "mat_variable": name, "mat_version": version, "mat_others": others,
            "wavelength": wavelength}
    return Sample(cube, "HWC", "mat", meta, None, path)


def write_mat(sample: Sample, path: Path) -> None:
    """Write the cube under its variable name (default ``cube``), with the input's other small variables
    and a ``wavelength`` vector when known: MAT v5 (scipy), or v7.3 (HDF5, MATLAB's header and axis
    order) when the cube is over 2 GB or the input was v7.3."""
    meta = sample.meta
    name = meta.get("mat_variable", "cube")
    cube = to_dtype(np.asarray(sample.array), np.dtype(meta.get("dtype", sample.array.dtype)).newbyteorder("="))
    variables = {k: np.asarray(v) for k, v in meta.get("mat_others", {}).items()}
    if meta.get("wavelength") is not None and not any(
            k.lower() in WAVELENGTH_KEYS for k in variables):
        variables["wavelength"] = np.asarray(meta["wavelength"], dtype=np.float64)
    variables[name] = cube
    if cube.nbytes > V73_THRESHOLD or meta.get("mat_version") == "7.3":
        _write_mat_v73(variables, Path(path))
    else:
        import scipy.io

        scipy.io.savemat(str(path), variables, do_compression=False)


_MATLAB_CLASS = {"f8": "double", "f4": "single", "i1": "int8", "u1": "uint8", "i2": "int16", "u2": "uint16",
                 "i4": "int32", "u4": "uint32", "i8": "int64", "u8": "uint64"}


def _write_mat_v73(variables: Mapping[str, np.ndarray], path: Path) -> None:
    """A MATLAB v7.3 file: HDF5 with a 512-byte user block holding MATLAB's text header, arrays stored
    transposed (column-major) with their ``MATLAB_class`` attribute."""
    import h5py

    with h5py.File(path, "w", userblock_size=512) as f:
        for key, value in variables.items():
            value = np.atleast_2d(value) if value.ndim < 2 else value
            dataset = f.create_dataset(key, data=value.T)
            dataset.attrs["MATLAB_class"] = np.bytes_(_MATLAB_CLASS[value.dtype.str[1:]])
    text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created by: denoisekit-hsi HDF5 schema 1.00 ."
    with path.open("r+b") as f:
        f.write(text.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02IM")


def example_mat() -> Sample:
    """A 12x10x5 float64 cube with a wavelength vector (MAT v5)."""
    cube = np.indices((12, 10, 5)).sum(axis=0) % 5 * 0.2
    return Sample(cube, "HWC", "mat", {"dtype": "<f8", "mat_variable": "indian_pines", "mat_version": "5",
                                       "mat_others": {}, "wavelength": [500.0, 600.0, 700.0, 800.0, 900.0]})
