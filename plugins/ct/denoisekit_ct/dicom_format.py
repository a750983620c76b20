"""DICOM CT for the run contract: one slice (format ``dicom``) or a folder holding a series
(format ``dicom-series``), read with pydicom to Hounsfield units.

Reading: HU = stored value * RescaleSlope + RescaleIntercept, float32, axes ``HW`` for a slice and
``DHW`` for a series (sorted along the slice normal by ImagePositionPatient, else by
InstanceNumber). ``Sample.data_range`` is 400, the width of the [-160, 240] HU window of the CT
metrics (RED-CNN convention), so generic PSNR/SSIM use the same peak as ``ct_psnr``.
``meta["dataset"]`` (slice) or ``meta["datasets"]`` and ``meta["files"]`` (series) keep the headers.

Writing: every header is written back unchanged except: the pixel data, re-encoded to the stored
dtype with the slice's own slope and intercept (rounded, clipped to BitsStored), uncompressed
(Explicit VR Little Endian); a new SOPInstanceUID; a new SeriesInstanceUID (one per written slice
or series, the same for all its slices); ImageType DERIVED; SeriesDescription = the original one
plus ``meta["description"]``, the short text a pipeline sets to say what it did (for example
``"filter2noise sigma_scale=1"``; ``"processed by denoisekit"`` when absent), cut to 64 characters.
Geometry tags (ImagePositionPatient, ImageOrientationPatient, PixelSpacing, SliceThickness) are
kept. A series is written as a folder with the input's file names.

Bad input raises :class:`denoisekit.errors.InputError` (one line, naming the file): not DICOM,
truncated, no pixel data, modality not CT, multi-frame, a compressed transfer syntax that no
installed decoder handles, a series with mixed sizes, several series, or gaps in slice positions.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.errors import InputError, check_file, reason
from denoisekit.report import DISPLAY_WINDOW
from denoisekit.sample import Sample

CT_DATA_RANGE = 400.0
REPORT_WINDOW = (-160.0, 240.0)  # report.png shows the window of ct_psnr / ct_ssim (RED-CNN convention)
DESCRIPTION_KEY = "description"
_LO_MAX = 64




def read_dataset(path: Path) -> tuple[Any, np.ndarray]:
    """The pydicom dataset of one CT slice and its HU image (float32, H x W)."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    path = Path(path)
    check_file(path)
    try:
        ds = pydicom.dcmread(path)
    except InvalidDicomError:
        raise InputError(path, "not a DICOM file (no DICM preamble)") from None
    except Exception as e:
        raise InputError(path, f"truncated or corrupt DICOM file ({reason(e)})") from None
    modality = str(ds.get("Modality", "")).strip()
    if modality != "CT":
        raise InputError(path, f"modality is {modality or 'missing'}, not CT")
    if "PixelData" not in ds:
        raise InputError(path, "DICOM file has no pixel data")
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:
        raise InputError(path, "multi-frame (enhanced) CT is not supported: export single-frame slices")
    if int(ds.get("SamplesPerPixel", 1)) != 1:
        raise InputError(path, f"{ds.SamplesPerPixel} samples per pixel: CT slices are grayscale")
    file_meta = getattr(ds, "file_meta", None)
    syntax = file_meta.get("TransferSyntaxUID") if file_meta is not None else None
    try:
        stored = ds.pixel_array
    except Exception as e:
        if syntax is not None and syntax.is_compressed:
            raise InputError(path, f"cannot decode the compressed transfer syntax {syntax.name} ({reason(e)}); "
                                   f"install a decoder (pylibjpeg, python-gdcm) or convert it") from None
        raise InputError(path, f"truncated or corrupt pixel data ({reason(e)})") from None
    if stored.ndim != 2:
        raise InputError(path, f"pixel data of shape {stored.shape}: expected one 2-D slice")
    slope = float(ds.get("RescaleSlope", 1) or 1)
    intercept = float(ds.get("RescaleIntercept", 0) or 0)
    hu = (stored.astype(np.float64) * slope + intercept).astype(np.float32)
    return ds, hu


def read_dicom(path: Path) -> Sample:
    """One CT slice (``.dcm``) -> HU, axes ``HW``."""
    ds, hu = read_dataset(Path(path))
    return Sample(hu, "HW", "dicom", {"dataset": ds, DISPLAY_WINDOW: REPORT_WINDOW}, CT_DATA_RANGE, Path(path))


def _position(ds: Any) -> float | None:
    """The slice's position along its normal (ImageOrientationPatient row x column), in mm."""
    ipp, iop = ds.get("ImagePositionPatient"), ds.get("ImageOrientationPatient")
    if ipp is None or iop is None or len(ipp) != 3 or len(iop) != 6:
        return None
    normal = np.cross(np.asarray(iop[:3], float), np.asarray(iop[3:], float))
    return float(np.dot(normal, np.asarray(ipp, float)))


def _slice_order(folder: Path, files: list[Path], datasets: list[Any]) -> list[int]:
    """Indices of the slices in order along the normal; errors on duplicates and gaps."""
    positions = [_position(ds) for ds in datasets]
    if all(p is not None for p in positions):
        keys, unit, what = np.asarray(positions), "mm", "ImagePositionPatient"
    elif all("InstanceNumber" in ds for ds in datasets):
        keys, unit, what = np.asarray([float(ds.InstanceNumber) for ds in datasets]), "", "InstanceNumber"
    else:
        raise InputError(folder, "cannot order the slices: neither ImagePositionPatient nor InstanceNumber on all")
    order = [int(i) for i in np.argsort(keys, kind="stable")]
    if len(order) < 2:
        return order
    steps = np.diff(keys[order])
    if np.any(steps <= 1e-6 * max(1.0, float(np.abs(keys).max()))):
        i = int(np.argmin(steps))
        first, second = files[order[i]].name, files[order[i + 1]].name
        raise InputError(folder, f"two slices at the same {what}: {first} and {second}")
    expected = 1.0 if what == "InstanceNumber" else float(np.median(steps))
    bad = np.abs(steps - expected) > 0.1 * expected + 1e-3
    if np.any(bad):
        i = int(np.argmax(bad))
        raise InputError(folder, f"gap in slice positions: {steps[i]:g} {unit} between {files[order[i]].name} and "
                                 f"{files[order[i + 1]].name}, expected {expected:g} {unit}".replace("  ", " "))
    return order


def read_dicom_series(folder: Path) -> Sample:
    """A folder holding the slices of one CT series -> HU volume, axes ``DHW``."""
    folder = Path(folder)
    if not folder.exists():
        raise InputError(folder, "folder not found")
    if not folder.is_dir():
        raise InputError(folder, "not a folder (a DICOM series is a folder of slices)")
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p.name != "DICOMDIR")
    if not files:
        raise InputError(folder, "folder holds no files")
    datasets, slices = [], []
    for f in files:
        ds, hu = read_dataset(f)
        if slices and hu.shape != slices[0].shape:
            raise InputError(f, f"slice of size {hu.shape[0]}x{hu.shape[1]} in a series of "
                                f"{slices[0].shape[0]}x{slices[0].shape[1]} slices (mixed sizes)")
        datasets.append(ds)
        slices.append(hu)
    series = {str(ds.get("SeriesInstanceUID", "")) for ds in datasets}
    if len(series) > 1:
        raise InputError(folder, f"folder holds {len(series)} series (different SeriesInstanceUIDs): one per folder")
    order = _slice_order(folder, files, datasets)
    array = np.stack([slices[i] for i in order])
    meta = {"datasets": [datasets[i] for i in order], "files": [files[i].name for i in order],
            DISPLAY_WINDOW: REPORT_WINDOW}
    return Sample(array, "DHW", "dicom-series", meta, CT_DATA_RANGE, folder)


# -- writing ---------------------------------------------------------------------------------------


def new_ct_dataset(shape: tuple[int, int], *, position: float = 0.0, pixel_spacing: float = 1.0,
                   slice_thickness: float = 1.0, study_uid: str | None = None) -> Any:
    """A minimal CT Image Storage header (int16, intercept -1024 HU) for arrays that came without one."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID = study_uid or generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "CT"
    ds.PatientName, ds.PatientID = "ANONYMOUS", "ANONYMOUS"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SeriesDescription = "denoisekit"
    ds.ImagePositionPatient = [0.0, 0.0, float(position)]
    ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    ds.PixelSpacing = [float(pixel_spacing), float(pixel_spacing)]
    ds.SliceThickness = float(slice_thickness)
    ds.Rows, ds.Columns = int(shape[0]), int(shape[1])
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = 1, -1024, "HU"
    ds.PixelData = np.zeros(shape, np.int16).tobytes()
    return ds


def _stored_dtype(ds: Any) -> tuple[np.dtype, float, float]:
    bits_allocated = int(ds.BitsAllocated)
    bits_stored = int(ds.get("BitsStored", bits_allocated))
    signed = int(ds.get("PixelRepresentation", 0)) == 1
    dtype = np.dtype(f"{'i' if signed else 'u'}{bits_allocated // 8}")
    if signed:
        return dtype, -(2 ** (bits_stored - 1)), 2 ** (bits_stored - 1) - 1
    return dtype, 0, 2**bits_stored - 1


def _description(original: Any, meta: dict[str, Any]) -> str:
    done = str(meta.get(DESCRIPTION_KEY) or "processed by denoisekit")
    original = str(original or "").strip()
    text = f"{original} - {done}" if original else done
    return text[:_LO_MAX]


def encode_slice(ds: Any, hu: np.ndarray, series_uid: str, description: str) -> Any:
    """A copy of ``ds`` holding ``hu`` (re-encoded) with a new SOPInstanceUID and the given series."""
    from pydicom.uid import generate_uid

    out = copy.deepcopy(ds)
    slope = float(out.get("RescaleSlope", 1) or 1)
    intercept = float(out.get("RescaleIntercept", 0) or 0)
    dtype, low, high = _stored_dtype(out)
    stored = np.clip(np.rint((np.nan_to_num(hu.astype(np.float64)) - intercept) / slope), low, high).astype(dtype)
    out.set_pixel_data(stored, str(out.get("PhotometricInterpretation", "MONOCHROME2")),
                       int(out.get("BitsStored", out.BitsAllocated)), generate_instance_uid=False)
    out.SOPInstanceUID = generate_uid()
    out.file_meta.MediaStorageSOPInstanceUID = out.SOPInstanceUID
    out.SeriesInstanceUID = series_uid
    out.SeriesDescription = description
    if "ImageType" in out and out.ImageType:
        kinds = list(out.ImageType) if out["ImageType"].VM > 1 else [str(out.ImageType)]
        out.ImageType = ["DERIVED", *kinds[1:]]
    for tag in ("SmallestImagePixelValue", "LargestImagePixelValue"):
        if tag in out:
            del out[tag]
    return out


def write_dicom(sample: Sample, path: Path) -> None:
    from pydicom.uid import generate_uid

    hu = np.asarray(sample.array)
    if hu.ndim != 2:
        raise ValueError(f"the dicom format writes one 2-D slice, got shape {hu.shape}")
    ds = sample.meta.get("dataset") or new_ct_dataset(hu.shape)
    out = encode_slice(ds, hu, generate_uid(), _description(ds.get("SeriesDescription"), sample.meta))
    out.save_as(Path(path), enforce_file_format=True)


def write_dicom_series(sample: Sample, path: Path) -> None:
    from pydicom.uid import generate_uid

    volume = np.asarray(sample.array)
    if volume.ndim != 3:
        raise ValueError(f"the dicom-series format writes a (D, H, W) volume, got shape {volume.shape}")
    datasets = sample.meta.get("datasets")
    files = sample.meta.get("files")
    if not datasets or len(datasets) != len(volume):
        study = generate_uid()
        datasets = [new_ct_dataset(volume.shape[1:], position=float(i), study_uid=study) for i in range(len(volume))]
        files = None
    files = files or [f"slice_{i:04d}.dcm" for i in range(len(volume))]
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=False)
    series_uid = generate_uid()
    description = _description(datasets[0].get("SeriesDescription"), sample.meta)
    for ds, hu, name in zip(datasets, volume, files, strict=True):
        encode_slice(ds, hu, series_uid, description).save_as(folder / name, enforce_file_format=True)


def _example_hu(shape: tuple[int, ...]) -> np.ndarray:
    """Integer HU values from air to bone, so that a write-read round trip is exact."""
    grid = np.indices(shape).sum(axis=0)
    return ((grid * 37) % 1400 - 1000).astype(np.float32)


def example_dicom() -> Sample:
    ds = new_ct_dataset((16, 16))
    return Sample(_example_hu((16, 16)), "HW", "dicom", {"dataset": ds}, CT_DATA_RANGE)


def example_dicom_series() -> Sample:
    from pydicom.uid import generate_uid

    study = generate_uid()
    datasets = [new_ct_dataset((16, 16), position=2.0 * i, slice_thickness=2.0, study_uid=study) for i in range(3)]
    series = generate_uid()
    for ds in datasets:
        ds.SeriesInstanceUID = series
    meta = {"datasets": datasets, "files": [f"slice_{i}.dcm" for i in range(3)]}
    return Sample(_example_hu((3, 16, 16)), "DHW", "dicom-series", meta, CT_DATA_RANGE)
