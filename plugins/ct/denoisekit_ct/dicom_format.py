"""DICOM CT for the run contract: one slice (format ``dicom``) or a folder holding a series
(format ``dicom-series``), read with pydicom to Hounsfield units.

Reading: HU = stored value * RescaleSlope + RescaleIntercept, float32, axes ``HW`` for a slice and
``DHW`` for a series (sorted along the slice normal by ImagePositionPatient, else by
InstanceNumber). Pixel Data (integers) and Float / Double Float Pixel Data are read; files without
the DICM preamble are read when they still hold a DICOM data set (older exports). In a series
folder, files that are not DICOM (README.txt, JSON, thumbnails, OS files) are skipped unless named
``.dcm``, ``.dicom`` or ``.ima``. ``Sample.data_range`` is 400, the width of the [-160, 240] HU
window of the CT metrics (RED-CNN convention), so generic PSNR/SSIM use the same peak as ``ct_psnr``.
``meta["dataset"]`` (slice) or ``meta["datasets"]`` and ``meta["files"]`` (series) keep the headers.

Writing: every header is written back unchanged except: the pixel data, re-encoded with the
slice's own slope and intercept to the stored dtype (integers rounded, clipped to BitsStored;
float pixel data kept float), uncompressed (Explicit VR Little Endian); a new SOPInstanceUID; a
new SeriesInstanceUID (one per written slice or series, the same for all its slices); ImageType
DERIVED; SeriesDescription = the original one plus ``Sample.description``, the short text a
pipeline sets to say what it did (for example ``"filter2noise sigma_scale=1"``; ``"processed by
denoisekit"`` when absent), cut to 64 characters. Geometry tags (ImagePositionPatient,
ImageOrientationPatient, PixelSpacing, SliceThickness) are kept. A series is written as a folder
with the input's file names.

Bad input raises :class:`denoisekit.errors.InputError` (one line, naming the file, the slice's
file for a problem of one slice of a series; no pydicom or NumPy warning printed): missing, empty,
not DICOM, truncated (pydicom reads a cut file silently: the last element must end where the file
ends), no pixel data, modality not CT, multi-frame, colour, big endian (retired; pydicom cannot
write it back), a compressed transfer syntax that no installed decoder handles, a RescaleSlope or
RescaleIntercept that is not a finite number (or a zero slope), a series with mixed sizes or
orientations, several series, duplicate slices, or missing slices (see :func:`_slice_order`).
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import InputError, Sample, check_file, reason

CT_DATA_RANGE = 400.0
REPORT_WINDOW = (-160.0, 240.0)  # report.png shows the window of ct_psnr / ct_ssim (RED-CNN convention)
DICOM_SUFFIXES = (".dcm", ".dicom", ".ima")
_LO_MAX = 64
_FLOAT_PIXELS = {"FloatPixelData": "<f4", "DoubleFloatPixelData": "<f8"}
_PIXEL_ELEMENTS = ("PixelData", *_FLOAT_PIXELS)


def _numbers(path: Path, ds: Any, keyword: str) -> list[float] | None:
    """The values of a numeric header element as finite floats; None when absent or empty."""
    from pydicom.multival import MultiValue

    with warnings.catch_warnings():  # pydicom warns about invalid DS/IS values: reported below instead
        warnings.simplefilter("ignore")
        value = ds.get(keyword)
        if value is None or str(value).strip() in ("", "[]"):
            return None
        try:
            numbers = [float(v) for v in (value if isinstance(value, MultiValue) else [value])]
        except (TypeError, ValueError):
            raise InputError(path, f"{keyword} is {str(value)!r}: not a number") from None
    if not all(np.isfinite(numbers)):
        raise InputError(path, f"{keyword} is {str(value)!r}: not a finite number")
    return numbers


def _number(path: Path, ds: Any, keyword: str, default: float) -> float:
    """The single finite number in header element ``keyword``, ``default`` when absent."""
    numbers = _numbers(path, ds, keyword)
    return default if numbers is None else numbers[0]


def _with_transfer_syntax(ds: Any) -> Any:
    """``ds`` with a TransferSyntaxUID in its file meta: files without one get the encoding they were read with."""
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    if getattr(ds, "file_meta", None) is None:
        ds.file_meta = FileMetaDataset()
    if "TransferSyntaxUID" not in ds.file_meta:
        implicit, little = ds.original_encoding
        ds.file_meta.TransferSyntaxUID = (ImplicitVRLittleEndian if implicit else
                                          ExplicitVRLittleEndian if little else ExplicitVRBigEndian)
    return ds


def _is_dicom_without_preamble(path: Path) -> bool:
    """Whether a file without the DICM preamble holds a DICOM data set anyway (older exports store the
    data set alone): parsed with ``force``, it must name its modality or SOP class."""
    import pydicom

    with warnings.catch_warnings():  # parsing a text or image file as DICOM warns: it is only a probe
        warnings.simplefilter("ignore")
        try:
            probe = pydicom.dcmread(path, force=True, stop_before_pixels=True, defer_size=1024)
            return "Modality" in probe or "SOPClassUID" in probe
        except Exception:
            return False


def _check_complete(path: Path, ds: Any) -> None:
    """pydicom reads a cut file without a word: its last element must end where the file ends."""
    if len(ds) == 0:
        raise InputError(path, "truncated or corrupt DICOM file (no data elements)")
    last = ds.get_item(max(ds.keys()))
    start, length = getattr(last, "value_tell", None), getattr(last, "length", None)
    if start is None or length is None or length == 0xFFFFFFFF:  # undefined length: pydicom checks the end
        return
    size = path.stat().st_size
    if start + length > size:
        raise InputError(path, f"truncated DICOM file: element {last.tag} needs {length} bytes, "
                               f"{size - start} are left")
    if start + length < size:
        raise InputError(path, f"truncated or corrupt DICOM file ({size - start - length} bytes after "
                               f"its last element)")


def _read_header(path: Path) -> Any | None:
    """The pydicom dataset in ``path`` (pixels not decoded yet); None when the file is not DICOM."""
    import pydicom

    with open(path, "rb") as f:
        force = f.read(132)[128:] != b"DICM"
    if force and not _is_dicom_without_preamble(path):
        return None
    with warnings.catch_warnings(record=True) as caught:  # reported below, not printed
        warnings.simplefilter("always")
        try:
            ds = pydicom.dcmread(path, force=force)
        except Exception as e:
            raise InputError(path, f"truncated or corrupt DICOM file ({reason(e)})") from None
    ends = [str(w.message) for w in caught if "end of file" in str(w.message).lower()]
    if ends:
        raise InputError(path, f"truncated DICOM file ({' '.join(ends[0].split())[:160]})")
    _check_complete(path, ds)
    return _with_transfer_syntax(ds)


def _pixels(path: Path, ds: Any) -> np.ndarray:
    """The stored values of one CT slice (2-D), after checking that they are a CT slice we can decode."""
    modality = str(ds.get("Modality", "")).strip()
    if modality != "CT":
        raise InputError(path, f"modality is {modality or 'missing'}, not CT")
    if not any(keyword in ds for keyword in _PIXEL_ELEMENTS):
        raise InputError(path, "DICOM file has no pixel data (no Pixel Data, Float Pixel Data or "
                               "Double Float Pixel Data element)")
    if _number(path, ds, "NumberOfFrames", 1) > 1:
        raise InputError(path, "multi-frame (enhanced) CT is not supported: export single-frame slices")
    samples = int(_number(path, ds, "SamplesPerPixel", 1))
    if samples != 1:
        raise InputError(path, f"{samples} samples per pixel (colour): CT slices are grayscale")
    file_meta = getattr(ds, "file_meta", None)
    syntax = file_meta.get("TransferSyntaxUID") if file_meta is not None else None
    if syntax is not None and not syntax.is_little_endian:
        raise InputError(path, f"{syntax.name} (retired in 2006) is not supported (written back little endian "
                               f"only): convert it with dcmconv +te")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stored = ds.pixel_array
    except Exception as e:
        if syntax is not None and syntax.is_compressed:
            raise InputError(path, f"cannot decode the compressed transfer syntax {syntax.name} ({reason(e)}); "
                                   f"install a decoder (pylibjpeg, python-gdcm) or convert it") from None
        raise InputError(path, f"truncated or corrupt pixel data ({reason(e)})") from None
    if stored.ndim != 2:
        raise InputError(path, f"pixel data of shape {stored.shape}: expected one 2-D slice")
    return stored


def _rescale(path: Path, ds: Any) -> tuple[float, float]:
    """RescaleSlope and RescaleIntercept (1 and 0 when absent); errors on values that are not finite or a zero slope."""
    slope = _number(path, ds, "RescaleSlope", 1.0)
    if slope == 0:
        raise InputError(path, "RescaleSlope is 0: every pixel would have the same value")
    return slope, _number(path, ds, "RescaleIntercept", 0.0)


def _hu(path: Path, ds: Any) -> np.ndarray:
    """The slice in Hounsfield units (float32): stored value * RescaleSlope + RescaleIntercept."""
    stored = _pixels(path, ds)
    slope, intercept = _rescale(path, ds)
    return (stored.astype(np.float64) * slope + intercept).astype(np.float32)


def read_dataset(path: Path) -> tuple[Any, np.ndarray]:
    """The pydicom dataset of one CT slice and its HU image (float32, H x W)."""
    path = Path(path)
    check_file(path)
    ds = _read_header(path)
    if ds is None:
        raise InputError(path, "not a DICOM file (no DICM preamble and no DICOM header)")
    return ds, _hu(path, ds)


def read_dicom(path: Path) -> Sample:
    """One CT slice (``.dcm``) -> HU, axes ``HW``."""
    ds, hu = read_dataset(Path(path))
    return Sample(hu, "HW", "dicom", {"dataset": ds}, CT_DATA_RANGE, Path(path), display_window=REPORT_WINDOW)


def _position(path: Path, ds: Any) -> float | None:
    """The slice's position along its normal (ImageOrientationPatient row x column), in mm."""
    ipp, iop = _numbers(path, ds, "ImagePositionPatient"), _numbers(path, ds, "ImageOrientationPatient")
    if ipp is None or iop is None or len(ipp) != 3 or len(iop) != 6:
        return None
    return float(np.dot(np.cross(iop[:3], iop[3:]), ipp))


def _check_orientation(files: list[Path], datasets: list[Any]) -> None:
    """An error naming the first slice whose ImageOrientationPatient differs from the first slice's."""
    first = np.asarray(_numbers(files[0], datasets[0], "ImageOrientationPatient"))
    for f, ds in zip(files[1:], datasets[1:], strict=True):
        if not np.allclose(_numbers(f, ds, "ImageOrientationPatient"), first, atol=1e-3):
            raise InputError(f, f"ImageOrientationPatient differs from {files[0].name}'s: "
                                f"the slices of one series share one orientation")


def _two_slice_spacing(files: list[Path], datasets: list[Any]) -> tuple[float, str] | None:
    """The spacing two slices should have by their headers, and where it comes from; None when the
    headers say nothing (or consecutive InstanceNumbers say that no slice is missing between them)."""
    spacings = {_number(f, ds, "SpacingBetweenSlices", 0.0) for f, ds in zip(files, datasets, strict=True)}
    if len(spacings) == 1 and (spacing := abs(spacings.pop())) > 0:
        return spacing, "SpacingBetweenSlices"
    numbers = [_numbers(f, ds, "InstanceNumber") for f, ds in zip(files, datasets, strict=True)]
    if None not in numbers and abs(numbers[0][0] - numbers[1][0]) == 1:
        return None
    thickness = {_number(f, ds, "SliceThickness", 0.0) for f, ds in zip(files, datasets, strict=True)}
    if len(thickness) == 1 and (step := thickness.pop()) > 0:
        return step, "SliceThickness"
    return None


def _slice_order(folder: Path, files: list[Path], datasets: list[Any]) -> list[int]:
    """Indices of the slices in order along the normal; errors on duplicates and gaps.

    Slices are one spacing apart (10 % tolerance): with three slices or more, the smallest step
    between positions; with two, SpacingBetweenSlices, else SliceThickness unless their
    InstanceNumbers are consecutive (a step of 1.5 spacings or more leaves room for a missing slice).
    Ordered by InstanceNumber (no positions), the numbers must be consecutive.
    """
    positions = [_position(f, ds) for f, ds in zip(files, datasets, strict=True)]
    if None not in positions:
        _check_orientation(files, datasets)
        keys, unit, what = np.asarray(positions), " mm", "slice positions"
    elif None not in (numbers := [_numbers(f, ds, "InstanceNumber") for f, ds in zip(files, datasets, strict=True)]):
        keys, unit, what = np.asarray([n[0] for n in numbers]), "", "InstanceNumber"
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
    if what == "InstanceNumber":
        expected, source, bad = 1.0, "", np.abs(steps - 1) > 1e-3
    elif len(steps) > 1:
        expected, source = float(steps.min()), ""
        bad = steps - expected > 0.1 * expected + 1e-3
    elif (header := _two_slice_spacing(files, datasets)) is not None:
        expected, source = header[0], f" ({header[1]}): a slice is missing"
        bad = steps >= 1.5 * expected
    else:
        return order
    if np.any(bad):
        i = int(np.argmax(bad))
        raise InputError(folder, f"gap in {what}: {steps[i]:g}{unit} between {files[order[i]].name} and "
                                 f"{files[order[i + 1]].name}, expected {expected:g}{unit}{source}")
    return order


def _series_datasets(folder: Path) -> tuple[list[Path], list[Any]]:
    """The DICOM files of a series folder and their datasets. Other files (notes, JSON, thumbnails)
    are skipped, unless their suffix says DICOM (.dcm, .dicom, .ima)."""
    candidates = sorted(p for p in folder.iterdir()
                        if p.is_file() and not p.name.startswith(".") and p.name.upper() != "DICOMDIR")
    files, datasets, skipped = [], [], []
    for f in candidates:
        named_dicom = f.suffix.lower() in DICOM_SUFFIXES
        if named_dicom:
            check_file(f)
        ds = _read_header(f) if f.stat().st_size else None
        if ds is None and named_dicom:
            raise InputError(f, "not a DICOM file (no DICM preamble and no DICOM header)")
        if ds is None:
            skipped.append(f.name)
        else:
            files.append(f)
            datasets.append(ds)
    if not files:
        others = f" (only {', '.join(skipped[:3])}{', ...' if len(skipped) > 3 else ''})" if skipped else ""
        raise InputError(folder, f"folder holds no DICOM files{others}")
    return files, datasets


def read_dicom_series(folder: Path) -> Sample:
    """A folder holding the slices of one CT series -> HU volume, axes ``DHW``."""
    folder = Path(folder)
    if not folder.exists():
        raise InputError(folder, "folder not found")
    if not folder.is_dir():
        raise InputError(folder, "not a folder (a DICOM series is a folder of slices)")
    files, datasets = _series_datasets(folder)
    slices = []
    for f, ds in zip(files, datasets, strict=True):
        hu = _hu(f, ds)
        if slices and hu.shape != slices[0].shape:
            raise InputError(f, f"slice of size {hu.shape[0]}x{hu.shape[1]} in a series of "
                                f"{slices[0].shape[0]}x{slices[0].shape[1]} slices (mixed sizes)")
        slices.append(hu)
    series: dict[str, Path] = {}
    for f, ds in zip(files, datasets, strict=True):
        series.setdefault(str(ds.get("SeriesInstanceUID", "")), f)
    if len(series) > 1:
        first, second = (p.name for p in list(series.values())[:2])
        raise InputError(folder, f"folder holds {len(series)} series (different SeriesInstanceUIDs, "
                                 f"e.g. {first} and {second}): one series per folder")
    order = _slice_order(folder, files, datasets)
    array = np.stack([slices[i] for i in order])
    meta = {"datasets": [datasets[i] for i in order], "files": [files[i].name for i in order]}
    return Sample(array, "DHW", "dicom-series", meta, CT_DATA_RANGE, folder, display_window=REPORT_WINDOW)


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


def _description(original: Any, sample: Sample) -> str:
    done = sample.description or "processed by denoisekit"
    original = str(original or "").strip()
    text = f"{original} - {done}" if original else done
    return text[:_LO_MAX]


def _set_pixels(out: Any, hu: np.ndarray) -> None:
    """Store ``hu`` in ``out`` through its slope and intercept, uncompressed (Explicit VR Little
    Endian): float pixel data as they are, integers rounded and clipped to BitsStored."""
    from pydicom.uid import ExplicitVRLittleEndian

    slope = float(out.get("RescaleSlope", 1) or 1)
    intercept = float(out.get("RescaleIntercept", 0) or 0)
    values = (np.nan_to_num(hu.astype(np.float64)) - intercept) / slope
    keyword = next((k for k in _FLOAT_PIXELS if k in out), None)
    if keyword is not None:
        setattr(out, keyword, values.astype(_FLOAT_PIXELS[keyword]).tobytes())
        out.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        return
    dtype, low, high = _stored_dtype(out)
    stored = np.clip(np.rint(values), low, high).astype(dtype)
    if dtype.itemsize > 2:  # pydicom's set_pixel_data takes 8 and 16 bits only
        out.PixelData = stored.astype(dtype.newbyteorder("<")).tobytes()
        out["PixelData"].VR = "OW"
        out.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        return
    out.set_pixel_data(stored, str(out.get("PhotometricInterpretation", "MONOCHROME2")),
                       int(out.get("BitsStored", out.BitsAllocated)), generate_instance_uid=False)


def encode_slice(ds: Any, hu: np.ndarray, series_uid: str, description: str) -> Any:
    """A copy of ``ds`` holding ``hu`` (re-encoded) with a new SOPInstanceUID and the given series."""
    from pydicom.uid import generate_uid

    out = copy.deepcopy(ds)
    _set_pixels(out, hu)
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
    out = encode_slice(ds, hu, generate_uid(), _description(ds.get("SeriesDescription"), sample))
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
    description = _description(datasets[0].get("SeriesDescription"), sample)
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
