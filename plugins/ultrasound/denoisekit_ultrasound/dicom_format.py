"""Ultrasound DICOM (Modality US), single- and multi-frame B-mode, read with pydicom: the scan-converted images
of commercial scanners (no RF or IQ). Colour frames (RGB, YBR, palette colour) become grey levels (ITU-R BT.601
luma of the RGB values; palettes applied first), 8- or 16-bit. The sample is ``HW`` (one frame) or ``THW``; the
writer stores MONOCHROME2 frames of the input's bit depth, uncompressed, with the input's other attributes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from denoisekit.api import InputError, Sample, check_file, reason, to_dtype

LUMA = np.array([0.299, 0.587, 0.114])


def read_us_dicom(path: Path) -> Sample:
    import pydicom
    from pydicom.pixels import apply_color_lut, convert_color_space

    path = Path(path)
    check_file(path)
    try:
        ds = pydicom.dcmread(path)
    except Exception as exc:
        raise InputError(path, f"not a readable DICOM file ({reason(exc)})") from None
    modality = ds.get("Modality")
    if modality != "US":
        raise InputError(path, f"not an ultrasound DICOM (Modality is {modality or 'missing'}, expected US)")
    if "PixelData" not in ds:
        raise InputError(path, "DICOM file has no pixel data")
    try:
        pixels = ds.pixel_array
        photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
        if photometric == "PALETTE COLOR":
            pixels = apply_color_lut(pixels, ds)
        elif photometric.startswith("YBR"):
            pixels = convert_color_space(pixels, photometric, "RGB")
    except Exception as exc:
        raise InputError(path, f"cannot decode the pixel data ({reason(exc)})") from None
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    color = int(ds.get("SamplesPerPixel", 1)) == 3 or photometric == "PALETTE COLOR"
    grey = pixels @ LUMA if color else pixels.astype(np.float64)
    if photometric == "MONOCHROME1":
        grey = grey.max() - grey
    bits = 8 if int(ds.get("BitsStored", 8)) <= 8 else 16
    if photometric == "PALETTE COLOR" and bits == 8 and pixels.dtype.itemsize == 2:
        grey = grey / 256.0  # 16-bit palette entries of 8-bit indices
    grey = np.clip(np.rint(grey), 0, 2**bits - 1).astype(np.uint8 if bits == 8 else np.uint16)
    axes = "THW" if frames > 1 else "HW"
    rate = 1000.0 / float(ds.FrameTime) if frames > 1 and ds.get("FrameTime") else None
    return Sample(array=grey, axes=axes, format="us-dicom", meta={"dataset": ds}, path=path,
                  data_range=float(2**bits - 1), display_window=(0.0, float(2**bits - 1)), rate=rate)


def write_us_dicom(sample: Sample, path: Path) -> None:
    import pydicom
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    ds = sample.meta.get("dataset")
    ds = _new_dataset() if ds is None else ds.copy()
    dtype = np.uint16 if np.asarray(sample.array).dtype == np.uint16 else np.uint8
    data = to_dtype(np.asarray(sample.array), dtype)
    for tag in ("RedPaletteColorLookupTableDescriptor", "GreenPaletteColorLookupTableDescriptor",
                "BluePaletteColorLookupTableDescriptor", "RedPaletteColorLookupTableData",
                "GreenPaletteColorLookupTableData", "BluePaletteColorLookupTableData", "PlanarConfiguration",
                "SegmentedRedPaletteColorLookupTableData", "SegmentedGreenPaletteColorLookupTableData",
                "SegmentedBluePaletteColorLookupTableData"):
        if tag in ds:
            delattr(ds, tag)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.PhotometricInterpretation, ds.SamplesPerPixel = "MONOCHROME2", 1
    ds.BitsAllocated = ds.BitsStored = 8 * data.itemsize
    ds.HighBit, ds.PixelRepresentation = 8 * data.itemsize - 1, 0
    ds.Rows, ds.Columns = data.shape[-2:]
    if sample.axes == "THW":
        ds.NumberOfFrames = data.shape[0]
    elif "NumberOfFrames" in ds:
        del ds.NumberOfFrames
    ds.PixelData = np.ascontiguousarray(data).tobytes()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    if sample.description:
        ds.SeriesDescription = f"{ds.get('SeriesDescription', '')} {sample.description}".strip()[:64]
    pydicom.dcmwrite(path, ds, enforce_file_format=True)


def _new_dataset():
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"  # Ultrasound Image Storage
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.Modality, ds.StudyInstanceUID, ds.SeriesInstanceUID = "US", generate_uid(), generate_uid()
    return ds


def example_us_dicom() -> Sample:
    """Three 8-bit B-mode frames (speckle with a dark disc)."""
    rng = np.random.default_rng(0)
    zz, xx = np.mgrid[0:40, 0:48]
    disc = (zz - 20) ** 2 + (xx - 24) ** 2 < 80
    frames = np.clip(rng.rayleigh(60, (3, 40, 48)) * np.where(disc, 0.2, 1.0), 0, 255).astype(np.uint8)
    return Sample(array=frames, axes="THW", format="us-dicom", meta={}, data_range=255.0)
