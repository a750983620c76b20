"""Readers and writers for the image domain's formats: npy, PNG, TIFF and NIfTI.

Readers return a :class:`denoisekit.sample.Sample` whose ``meta["dtype"]`` records the stored
dtype; writers cast the (possibly float) output back to it, clipping and rounding for integer
dtypes, and keep ``Sample.description`` where the format has a place for it (PNG ``Description``
text, NIfTI ``descrip``). A bad file raises :class:`denoisekit.errors.InputError` with a one-line reason. Pillow,
tifffile and nibabel are imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from denoisekit.errors import InputError, check_file, reason
from denoisekit.sample import Sample

_NPY_MAGIC = b"\x93NUMPY"
NIFTI_DESCRIP_BYTES = 80  # the size of the NIfTI header's descrip field


# -- shared checks and conversions ---------------------------------------------------------------




def _check_dtype(path: Path, array: np.ndarray, complex_ok: bool = True) -> None:
    kind = array.dtype.kind
    if kind == "O":
        raise InputError(path, "object arrays are not supported")
    if kind == "c" and not complex_ok:
        raise InputError(path, "complex values are not supported by this format")
    if kind not in "iufc":
        raise InputError(path, f"unsupported data type {array.dtype} (expected integer, float or complex)")


def _image_axes(path: Path, shape: tuple[int, ...]) -> str:
    """'HW' for 2-D; for 3-D 'HWC' when the last axis has 3 or 4 entries, else 'DHW'."""
    if len(shape) == 2:
        return "HW"
    if len(shape) == 3:
        return "HWC" if shape[-1] in (3, 4) else "DHW"
    raise InputError(path, f"unsupported shape {shape}: expected a 2-D image, an RGB(A) image or a 3-D stack")


def _native(array: np.ndarray) -> np.ndarray:
    """``array`` in the machine's byte order (torch and the metrics need it)."""
    return array.astype(array.dtype.newbyteorder("="), copy=False)


def _integer_range(dtype: np.dtype) -> float | None:
    """The full scale of 8- and 16-bit unsigned images (255, 65535); None otherwise."""
    return float(np.iinfo(dtype).max) if dtype.kind == "u" and dtype.itemsize <= 2 else None


def _target_dtype(sample: Sample) -> np.dtype:
    return np.dtype(sample.meta.get("dtype", sample.array.dtype))


def to_dtype(array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``array`` as ``dtype``: integers are rounded and clipped to the dtype's range."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu" and array.dtype != dtype:
        info = np.iinfo(dtype)
        if array.dtype.kind == "f":
            array = np.rint(np.nan_to_num(array, nan=0.0))
        array = np.clip(array, info.min, info.max)
    return np.ascontiguousarray(array.astype(dtype, copy=False))


def _ramp(shape: tuple[int, ...], dtype: str, scale: float) -> np.ndarray:
    """A deterministic test pattern (gradient plus texture) for the formats' ``example()``."""
    grid = np.indices(shape).sum(axis=0) % 7 + np.arange(int(np.prod(shape))).reshape(shape) % 5
    return (grid * scale).astype(dtype)


# -- npy -----------------------------------------------------------------------------------------


def read_npy(path: Path) -> Sample:
    """A NumPy ``.npy`` file (no pickles): HW, HWC (3 or 4 channels) or DHW."""
    path = Path(path)
    check_file(path)
    with path.open("rb") as f:
        if f.read(len(_NPY_MAGIC)) != _NPY_MAGIC:
            raise InputError(path, "not a NumPy .npy file (bad magic bytes)")
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise InputError(path, "object arrays are not supported") from None
        raise InputError(path, f"corrupt or truncated .npy file ({reason(e)})") from None
    except Exception as e:
        raise InputError(path, f"corrupt or truncated .npy file ({reason(e)})") from None
    _check_dtype(path, array)
    array = _native(array)
    return Sample(array, _image_axes(path, array.shape), "npy", {"dtype": array.dtype.str},
                  _integer_range(array.dtype), path)


def write_npy(sample: Sample, path: Path) -> None:
    with Path(path).open("wb") as f:
        np.save(f, to_dtype(sample.array, _target_dtype(sample)), allow_pickle=False)


def example_npy() -> Sample:
    return Sample(_ramp((16, 16), "float32", 0.1), "HW", "npy", {"dtype": "<f4"})


# -- PNG -----------------------------------------------------------------------------------------


def read_png(path: Path) -> Sample:
    """An 8- or 16-bit PNG: grayscale -> HW; gray+alpha, RGB, RGBA, palette -> HWC (uint8)."""
    from PIL import Image

    path = Path(path)
    check_file(path)
    try:
        with Image.open(path) as img:
            if img.format != "PNG":
                raise InputError(path, f"not a PNG file (looks like {img.format})")
            img.load()
            if img.mode == "1":
                img = img.convert("L")
            elif img.mode in ("P", "PA"):
                img = img.convert("RGBA" if img.has_transparency_data else "RGB")
            array = np.asarray(img)
            mode = img.mode
    except InputError:
        raise
    except Exception as e:
        raise InputError(path, f"not a readable PNG file ({reason(e)})") from None
    if mode == "I":  # 16-bit grayscale as 32-bit int (older Pillow)
        array = array.astype(np.uint16)
    elif mode not in ("L", "LA", "RGB", "RGBA") and not mode.startswith("I;16"):
        raise InputError(path, f"unsupported PNG mode {mode!r}")
    array = _native(array)
    axes = "HW" if array.ndim == 2 else "HWC"
    return Sample(array, axes, "png", {"dtype": array.dtype.str}, _integer_range(array.dtype), path)


def write_png(sample: Sample, path: Path) -> None:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    dtype = _target_dtype(sample)
    if dtype not in (np.uint8, np.uint16):
        raise ValueError(f"PNG stores uint8 or uint16, not {dtype}")
    array = to_dtype(sample.array, dtype)
    if array.ndim == 3 and dtype != np.uint8:
        raise ValueError("PNG colour images are written as uint8 only")
    info = PngInfo()
    if sample.description:
        info.add_itxt("Description", sample.description)
    Image.fromarray(array).save(Path(path), format="PNG", pnginfo=info)


def example_png() -> Sample:
    return Sample(_ramp((16, 16), "uint16", 1000.0), "HW", "png", {"dtype": "<u2"}, 65535.0)


# -- TIFF ----------------------------------------------------------------------------------------


def read_tiff(path: Path) -> Sample:
    """The first series of a TIFF file: HW, HWC (3 or 4 channels) or a DHW page stack."""
    import tifffile

    path = Path(path)
    check_file(path)
    try:
        array = tifffile.imread(path)
    except Exception as e:
        raise InputError(path, f"not a readable TIFF file ({reason(e)})") from None
    _check_dtype(path, array)
    array = _native(array)
    return Sample(array, _image_axes(path, array.shape), "tiff", {"dtype": array.dtype.str},
                  _integer_range(array.dtype), path)


def write_tiff(sample: Sample, path: Path) -> None:
    import tifffile

    array = to_dtype(sample.array, _target_dtype(sample))
    photometric = "rgb" if sample.axes == "HWC" else "minisblack"
    tifffile.imwrite(Path(path), array, photometric=photometric)


def example_tiff() -> Sample:
    return Sample(_ramp((4, 16, 16), "uint16", 500.0), "DHW", "tiff", {"dtype": "<u2"}, 65535.0)


# -- NIfTI ---------------------------------------------------------------------------------------


def read_nifti(path: Path) -> Sample:
    """A NIfTI-1/2 image (.nii, .nii.gz): 2-D -> HW, 3-D -> HWD; affine and header kept in meta.

    The voxels come from ``dataobj`` (scaled by scl_slope/scl_inter when set), so complex
    data keep their imaginary part.
    """
    import nibabel as nib

    path = Path(path)
    check_file(path)
    try:
        img = nib.load(path)
        if not isinstance(img, (nib.Nifti1Image, nib.Nifti2Image)):
            raise InputError(path, f"not a NIfTI file ({type(img).__name__})")
        array = np.asarray(img.dataobj)
    except InputError:
        raise
    except Exception as e:
        raise InputError(path, f"not a readable NIfTI file ({reason(e)})") from None
    _check_dtype(path, array)
    if array.ndim not in (2, 3):
        raise InputError(path, f"unsupported shape {array.shape}: expected a 2-D image or a 3-D volume")
    array = _native(array)
    meta = {"dtype": array.dtype.str, "affine": img.affine, "header": img.header}
    return Sample(array, "HW" if array.ndim == 2 else "HWD", "nifti", meta, None, path)


def write_nifti(sample: Sample, path: Path) -> None:
    import nibabel as nib

    array = to_dtype(sample.array, _target_dtype(sample))
    header = sample.meta.get("header")
    cls = nib.Nifti2Image if isinstance(header, nib.Nifti2Header) else nib.Nifti1Image
    img = cls(array, sample.meta.get("affine"), header=header)
    img.header.set_data_dtype(array.dtype)
    img.header.set_slope_inter(None, None)
    if sample.description:
        img.header["descrip"] = sample.description.encode("ascii", "replace")[:NIFTI_DESCRIP_BYTES]
    nib.save(img, Path(path))


def example_nifti() -> Sample:
    affine = np.array([[0.5, 0, 0, -4], [0, 0.5, 0, -4], [0, 0, 2.0, 1], [0, 0, 0, 1]])
    return Sample(_ramp((16, 16, 8), "int16", 100.0) - 300, "HWD", "nifti",
                  {"dtype": "<i2", "affine": affine})
