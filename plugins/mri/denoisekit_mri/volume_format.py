"""MR DICOM series: a folder of the 2-D slices of one series (or one multi-frame file) read as a magnitude
volume (``DHW``: slices, rows, columns) with an affine, and written back as a new series.

The affine follows the NIfTI convention of :func:`denoisekit_mri.formats.read_nifti` (columns: the row axis H,
the column axis W, the slice axis D; then the origin), in the DICOM patient frame (LPS, mm): column 0 is the
direction cosine of increasing row index (``ImageOrientationPatient[3:]``) times ``PixelSpacing[0]``, column 1
that of increasing column index (``[:3]``) times ``PixelSpacing[1]``, column 2 the step between slice positions,
and the origin the first slice's ``ImagePositionPatient``. So :func:`denoisekit_mri.volume_kspace.scaled_affine`
works on both formats, and the writer derives positions, spacings and orientation from it. Pixels are stored
as 16-bit unsigned integers with a ``RescaleSlope`` (lossy at 1/65535 of the maximum: ``exact=False``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import InputError, Sample, reason

FORMAT = "mri-dicom-series"
_LEVELS = 65535


def _datasets(folder: Path) -> list[tuple[Path, Any]]:
    import pydicom
    from pydicom.errors import InvalidDicomError

    found = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        if path.name.upper() == "DICOMDIR":
            continue
        try:
            ds = pydicom.dcmread(path)
        except (InvalidDicomError, OSError, EOFError, ValueError, AttributeError):
            if path.suffix.lower() in (".dcm", ".dicom", ".ima"):
                raise InputError(path, "not a readable DICOM file") from None
            continue  # notes, thumbnails
        found.append((path, ds))
    return found


def _pixels(path: Path, ds: Any) -> np.ndarray:
    try:
        array = ds.pixel_array.astype(np.float32)
    except Exception as e:  # pydicom raises several types for missing or truncated pixel data
        raise InputError(path, f"unreadable pixel data ({reason(e)})") from None
    slope, intercept = float(ds.get("RescaleSlope", 1) or 1), float(ds.get("RescaleIntercept", 0) or 0)
    return array * slope + intercept


def _geometry(ds: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(row direction, column direction, normal, position) of a slice; identity geometry when absent."""
    iop = np.array(ds.get("ImageOrientationPatient", [1, 0, 0, 0, 1, 0]), dtype=np.float64)
    along_row, along_col = iop[:3], iop[3:]
    position = np.array(ds.get("ImagePositionPatient", [0, 0, 0]), dtype=np.float64)
    return along_row, along_col, np.cross(along_row, along_col), position


def read_mr_series(folder: Path) -> Sample:
    """A folder of one MR DICOM series -> ``DHW`` float32 magnitude volume; meta: affine, template dataset."""
    folder = Path(folder)
    if not folder.exists():
        raise InputError(folder, "folder not found")
    if not folder.is_dir():
        raise InputError(folder, "not a folder (a DICOM series is a folder of slices)")
    found = _datasets(folder)
    if not found:
        raise InputError(folder, "folder holds no DICOM files")
    series = {str(ds.get("SeriesInstanceUID", "")) for _, ds in found}
    if len(series) > 1:
        raise InputError(folder, f"folder holds {len(series)} series (different SeriesInstanceUIDs): one per folder")
    frames = [_pixels(p, ds) for p, ds in found]
    if len(found) == 1 and frames[0].ndim == 3:  # one multi-frame file: its frames are the slices
        volume, positions = frames[0], None
        spacing = float(found[0][1].get("SpacingBetweenSlices", found[0][1].get("SliceThickness", 1.0)) or 1.0)
    else:
        shapes = {f.shape for f in frames}
        if len(shapes) > 1 or frames[0].ndim != 2:
            raise InputError(folder, f"slices of different or non-2-D shapes {sorted(shapes)}")
        normal = _geometry(found[0][1])[2]
        positions = np.array([_geometry(ds)[3] @ normal for _, ds in found])
        order = np.argsort(positions, kind="stable")
        volume = np.stack([frames[i] for i in order])
        found = [found[i] for i in order]
        steps = np.diff(positions[order])
        spacing = float(np.median(steps)) if len(steps) else float(found[0][1].get("SliceThickness", 1.0) or 1.0)
        if len(steps) and np.any(steps <= 0):
            raise InputError(folder, "two slices share one position (ImagePositionPatient along the normal)")
    ds = found[0][1]
    along_row, along_col, normal, origin = _geometry(ds)
    rows_mm, cols_mm = (float(v) for v in ds.get("PixelSpacing", [1.0, 1.0]))
    affine = np.eye(4)
    affine[:3, 0], affine[:3, 1], affine[:3, 2], affine[:3, 3] = (
        along_col * rows_mm, along_row * cols_mm, normal * spacing, origin)
    meta = {"affine": affine, "template": ds, "files": len(found)}
    return Sample(np.ascontiguousarray(volume, dtype=np.float32), "DHW", FORMAT, meta, path=folder)


def _new_dataset(shape: tuple[int, int]) -> Any:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = MRImageStorage
    ds.StudyInstanceUID = generate_uid()
    ds.Modality = "MR"
    ds.PatientName, ds.PatientID = "ANONYMOUS", "ANONYMOUS"
    ds.Rows, ds.Columns = shape
    return ds


def write_mr_series(sample: Sample, path: Path) -> None:
    """``sample`` (``DHW``) as a new series folder ``slice_0000.dcm``, ...: geometry from ``meta["affine"]``,
    patient and study from ``meta["template"]`` (a new MR header without one)."""
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    volume = np.abs(np.asarray(sample.array, dtype=np.float64))
    if volume.ndim != 3:
        raise ValueError(f"{FORMAT} writes a (D, H, W) volume, got shape {volume.shape}")
    template = sample.meta.get("template") or _new_dataset(volume.shape[1:])
    affine = np.asarray(sample.meta.get("affine", np.eye(4)), dtype=np.float64)
    rows_mm, cols_mm, step = (float(np.linalg.norm(affine[:3, i])) for i in range(3))
    along_col, along_row = affine[:3, 0] / rows_mm, affine[:3, 1] / cols_mm
    slope = max(float(volume.max()), 1e-12) / _LEVELS
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=False)
    series = generate_uid()
    for i, image in enumerate(volume):
        ds = copy.deepcopy(template)
        for tag in ("PixelData", "NumberOfFrames", "PerFrameFunctionalGroupsSequence",
                    "SharedFunctionalGroupsSequence", "SmallestImagePixelValue", "LargestImagePixelValue"):
            if tag in ds:
                del ds[tag]
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.SeriesInstanceUID, ds.InstanceNumber = series, i + 1
        ds.SeriesDescription = (sample.description or "denoisekit")[:64]
        ds.ImageOrientationPatient = [float(v) for v in (*along_row, *along_col)]
        ds.ImagePositionPatient = [float(v) for v in affine[:3, 3] + i * affine[:3, 2]]
        ds.PixelSpacing = [rows_mm, cols_mm]
        ds.SliceThickness = ds.SpacingBetweenSlices = step
        ds.RescaleSlope, ds.RescaleIntercept = slope, 0.0
        ds.set_pixel_data(np.rint(image / slope).astype(np.uint16), "MONOCHROME2", 16, generate_instance_uid=False)
        ds.save_as(folder / f"slice_{i:04d}.dcm", enforce_file_format=True)


def example_mr_series() -> Sample:
    """A 3-slice 12x10 magnitude volume, 0.5 x 0.8 mm pixels, 2 mm slices, oblique."""
    rng = np.random.default_rng(0)
    volume = rng.random((3, 12, 10)).astype(np.float32) * 100
    c, s = np.cos(0.3), np.sin(0.3)
    affine = np.eye(4)
    affine[:3, 0], affine[:3, 1], affine[:3, 2] = (0, c * 0.5, s * 0.5), (0.8, 0, 0), (0, -s * 2, c * 2)
    affine[:3, 3] = (-10, 5, 30)
    return Sample(volume, "DHW", FORMAT, {"affine": affine})
