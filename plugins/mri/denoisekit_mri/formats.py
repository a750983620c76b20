"""MRI file formats: fastMRI HDF5 and NIfTI (magnitude or complex), read into ``Sample`` and written back.

fastMRI HDF5 (Zbontar et al., arXiv:1811.08839; the dataset README): ``kspace`` (slices, [coils,] H, W)
complex, optional ``mask`` (W,), the ``ismrmrd_header`` XML and attributes (``max``, ``norm``,
``acquisition``, ``patient_id``). A file without ``kspace`` but with ``reconstruction``,
``reconstruction_rss`` or ``reconstruction_esc`` (slices, H, W) float32 (a reference, or a submission)
is read as that image. The writer writes ``kspace`` (+ ``mask``, header) for complex arrays, and a
real array as ``reconstruction`` float32 (the submission layout), attributes kept.

NIfTI: nibabel's ``dataobj`` keeps the imaginary part (``get_fdata`` drops it); a volume (x, y, z) is
read slices first, (z, x, y) with axes ``DHW``, so it compares with fastMRI reconstructions, and
written back in its own order.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import ImagePanel, InputError, Sample, check_file, reason

IMAGE_KEYS = ("reconstruction", "reconstruction_rss", "reconstruction_esc")
_NS = "{http://www.ismrm.org/ISMRMRD}"


def parse_header(xml: str) -> dict[str, tuple[int, int]]:
    """``encoded`` and ``recon`` matrix sizes (x, y) of the first encoding of an ISMRMRD header."""
    root = ET.fromstring(xml)
    sizes = {}
    for key, tag in (("encoded", "encodedSpace"), ("recon", "reconSpace")):
        node = root.find(f"{_NS}encoding/{_NS}{tag}/{_NS}matrixSize")
        if node is not None:
            sizes[key] = (int(node.findtext(f"{_NS}x")), int(node.findtext(f"{_NS}y")))
    return sizes


def make_header(encoded: tuple[int, int], recon: tuple[int, int]) -> str:
    """A minimal ISMRMRD header naming the encoded and reconstructed matrix sizes (x, y, z = 1)."""
    def space(tag: str, size: tuple[int, int]) -> str:
        return (f"<{tag}><matrixSize><x>{size[0]}</x><y>{size[1]}</y><z>1</z></matrixSize>"
                f"<fieldOfView_mm><x>{size[0]}</x><y>{size[1]}</y><z>1</z></fieldOfView_mm></{tag}>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<ismrmrdHeader xmlns="http://www.ismrm.org/ISMRMRD">'
            f"<encoding>{space('encodedSpace', encoded)}{space('reconSpace', recon)}"
            "<trajectory>cartesian</trajectory></encoding></ismrmrdHeader>")


def _attrs(h5: Any) -> dict[str, Any]:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in h5.attrs.items()}


def _check_kspace(path: Path, kspace: Any) -> str:
    """The axes of a fastMRI ``kspace`` dataset, or an InputError saying what is wrong with it."""
    if kspace.dtype.kind != "c":
        raise InputError(path, f"'kspace' is real-valued ({kspace.dtype}); fastMRI k-space is complex")
    shape = kspace.shape
    if kspace.ndim == 3:
        return "DHW"
    if kspace.ndim != 4:
        raise InputError(path, f"'kspace' has shape {shape}; expected (slices, H, W) or (slices, coils, H, W)")
    if shape[1] > min(shape[2], shape[3]):
        hint = " (it looks like (slices, H, W, coils))" if shape[3] < min(shape[1], shape[2]) else ""
        raise InputError(path, f"'kspace' shape {shape}: the coil axis (axis 1, size {shape[1]}) is larger than the "
                               f"image axes{hint}; fastMRI stores (slices, coils, H, W)")
    return "DKHW"


def read_fastmri(path: Path) -> Sample:
    """A fastMRI HDF5 file: its k-space (``DKHW`` or ``DHW`` complex, meta: mask, header, sizes, attributes),
    or, without ``kspace``, its reconstruction (``DHW`` float32)."""
    import h5py

    path = Path(path)
    check_file(path)
    try:
        h5 = h5py.File(path, "r")
    except OSError as e:
        raise InputError(path, f"not a readable HDF5 file ({reason(e)})") from None
    with h5:
        attrs = _attrs(h5)
        if "kspace" not in h5 and "dataset" in h5:  # ISMRMRD raw data in a .h5 file
            from denoisekit_mri.ismrmrd_format import read_ismrmrd

            return read_ismrmrd(path)
        if "kspace" not in h5:
            image_key = next((k for k in IMAGE_KEYS if k in h5), None)
            if image_key is None:
                raise InputError(path, f"no 'kspace' dataset (keys: {', '.join(sorted(h5)) or 'none'})")
            image = np.asarray(h5[image_key])
            if image.ndim == 2:
                image = image[None]
            if image.ndim != 3 or image.dtype.kind not in "fiu":
                raise InputError(path, f"'{image_key}' has shape {image.shape} and dtype {image.dtype}; "
                                       "expected real (slices, H, W)")
            return Sample(image, "DHW", "fastmri", {"content": "image", "key": image_key, "attrs": attrs},
                          path=path)
        axes = _check_kspace(path, h5["kspace"])
        kspace = np.asarray(h5["kspace"])
        width = kspace.shape[-1]
        mask = None
        if "mask" in h5:
            mask = np.asarray(h5["mask"]).reshape(-1)
            if mask.shape != (width,):
                raise InputError(path, f"'mask' has {mask.size} entries but 'kspace' has {width} columns (W)")
            mask = mask.astype(bool)
        header = None
        sizes: dict[str, tuple[int, int]] = {}
        if "ismrmrd_header" in h5:
            raw = h5["ismrmrd_header"][()]
            header = raw.decode() if isinstance(raw, bytes) else str(raw)
            try:
                sizes = parse_header(header)
            except (ET.ParseError, TypeError, ValueError) as e:
                raise InputError(path, f"'ismrmrd_header' is not a valid ISMRMRD header ({reason(e)})") from None
            if "encoded" in sizes and sizes["encoded"] != tuple(kspace.shape[-2:]):
                raise InputError(path, f"'ismrmrd_header' encoded matrix {sizes['encoded']} disagrees with the "
                                       f"k-space (H, W) = {tuple(kspace.shape[-2:])}")
    meta = {"content": "kspace", "mask": mask, "ismrmrd_header": header, "attrs": attrs, **sizes}
    return Sample(kspace, axes, "fastmri", meta, path=path)


def write_fastmri(sample: Sample, path: Path) -> None:
    """Complex ``kspace`` (+ ``mask``, ``ismrmrd_header``), or a real array as ``reconstruction`` float32
    (``reconstruction_rss`` / ``_esc`` when the sample was read as one); attributes and the description kept."""
    import h5py

    meta = sample.meta
    attrs = dict(meta.get("attrs", {}))
    if sample.description:
        attrs["description"] = sample.description
    with h5py.File(path, "w") as h5:
        if np.iscomplexobj(sample.array):
            h5.create_dataset("kspace", data=sample.array)
            if meta.get("mask") is not None:
                h5.create_dataset("mask", data=np.asarray(meta["mask"], dtype=bool))
            if meta.get("ismrmrd_header"):
                h5.create_dataset("ismrmrd_header", data=meta["ismrmrd_header"].encode())
        else:
            key = meta.get("key", "reconstruction") if meta.get("content") == "image" else "reconstruction"
            image = np.asarray(sample.array, dtype=np.float32)
            h5.create_dataset(key, data=image if image.ndim == 3 else image[None])
            attrs["max"] = float(image.max())
        for k, v in attrs.items():
            h5.attrs[k] = v


def example_fastmri() -> Sample:
    """A 2-slice, 4-coil 16x12 k-space with a column mask and a header, for the round-trip check."""
    rng = np.random.default_rng(0)
    kspace = (rng.standard_normal((2, 4, 16, 12)) + 1j * rng.standard_normal((2, 4, 16, 12))).astype(np.complex64)
    mask = np.zeros(12, dtype=bool)
    mask[::2] = True
    kspace *= mask
    meta = {"content": "kspace", "mask": mask, "ismrmrd_header": make_header((16, 12), (16, 12)),
            "attrs": {"acquisition": "example", "patient_id": "none"}, "encoded": (16, 12), "recon": (16, 12)}
    return Sample(kspace, "DKHW", "fastmri", meta)


def preview_fastmri(sample: Sample) -> list[ImagePanel]:
    """The middle slice as an image: the zero-filled root-sum-of-squares of k-space (with the log k-space
    magnitude beside it), or the stored reconstruction."""
    array = sample.array
    middle = array[array.shape[0] // 2]
    if not np.iscomplexobj(array):
        return [ImagePanel("image", np.asarray(middle, dtype=np.float64), window=sample.display_window)]
    coils = middle if sample.axes == "DKHW" else middle[None]
    shifted = np.fft.ifftshift(coils, axes=(-2, -1))
    images = np.fft.fftshift(np.fft.ifft2(shifted, axes=(-2, -1), norm="ortho"), axes=(-2, -1))
    rss = center_crop(np.sqrt(np.sum(np.abs(images) ** 2, axis=0)), sample.meta.get("recon"))
    return [ImagePanel("image", rss, window=sample.display_window),
            ImagePanel("log |k-space| (coil 1)", np.log1p(np.abs(coils[0]) / (np.abs(coils[0]).max() or 1) * 1e4),
                       compare=False)]


def center_crop(image: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    """The central ``size`` (H, W) of the last two axes (no crop for None or a size not smaller)."""
    if size is None:
        return image
    h, w = image.shape[-2:]
    ch, cw = min(size[0], h), min(size[1], w)
    top, left = (h - ch) // 2, (w - cw) // 2
    return image[..., top:top + ch, left:left + cw]


def read_nifti(path: Path) -> Sample:
    """A NIfTI image (x, y) or volume (x, y, z), magnitude or complex, read slices first: ``DHW``."""
    import nibabel as nib

    path = Path(path)
    check_file(path)
    try:
        img = nib.load(path)
        array = np.asarray(img.dataobj)
    except Exception as e:  # nibabel raises several types for garbage (ImageFileError, EOFError, OSError)
        raise InputError(path, f"not a readable NIfTI file ({reason(e)})") from None
    if array.ndim not in (2, 3):
        raise InputError(path, f"NIfTI data of shape {array.shape}: expected a 2-D image or a 3-D volume")
    ndim = array.ndim
    volume = np.moveaxis(array if ndim == 3 else array[..., None], -1, 0)
    meta = {"affine": img.affine, "header": img.header, "ndim": ndim}
    return Sample(np.ascontiguousarray(volume), "DHW", "mri-nifti", meta, path=path)


def write_nifti(sample: Sample, path: Path) -> None:
    """Back to (x, y, z) (or (x, y) for an image read as one); affine and header kept, description in ``descrip``."""
    import nibabel as nib

    array = np.moveaxis(np.asarray(sample.array), 0, -1)
    if sample.meta.get("ndim") == 2 and array.shape[-1] == 1:
        array = array[..., 0]
    header = sample.meta.get("header")
    img = nib.Nifti1Image(array, sample.meta.get("affine", np.eye(4)),
                          header=header.copy() if header is not None else None)
    img.header.set_data_dtype(array.dtype)
    if sample.description:
        img.header["descrip"] = sample.description.encode()[:79]
    nib.save(img, Path(path))


def example_nifti() -> Sample:
    """A complex 3-slice 12x10 volume."""
    rng = np.random.default_rng(0)
    volume = (rng.standard_normal((3, 12, 10)) + 1j * rng.standard_normal((3, 12, 10))).astype(np.complex64)
    return Sample(volume, "DHW", "mri-nifti", {"affine": np.diag([1.0, 1.0, 2.0, 1.0]), "ndim": 3})


def preview_nifti(sample: Sample) -> list[ImagePanel]:
    """The middle slice: magnitude (the image compared with others) and, for complex data, the phase."""
    middle = np.asarray(sample.array[sample.array.shape[0] // 2])
    panels = [ImagePanel("image", np.abs(middle).astype(np.float64), window=sample.display_window)]
    if np.iscomplexobj(middle):
        panels.append(ImagePanel("phase", np.angle(middle), window=(-np.pi, np.pi), cmap="twilight", compare=False))
    return panels


def image_sample(sample: Sample, image: np.ndarray, recon_size: tuple[int, int] | None, description: str) -> Sample:
    """The magnitude reconstruction (N, H, W) as a fastMRI ``reconstruction`` sample, cropped to ``recon_size``."""
    array = np.ascontiguousarray(center_crop(image, recon_size), dtype=np.float32)
    meta = {"content": "image", "key": "reconstruction", "attrs": dict(sample.meta.get("attrs", {}))}
    return replace(sample, array=array, axes="DHW", meta=meta, description=description)
