"""Bad DICOM input: one-line InputErrors naming the file (the slice file inside a series), no warnings;
float pixel data read and written back; missing slices found from every clue the headers give; other
files in a series folder skipped."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from denoisekit_ct.dicom_format import (
    example_dicom_series,
    new_ct_dataset,
    read_dicom,
    read_dicom_series,
    write_dicom,
    write_dicom_series,
)

from denoisekit.api import InputError


def _save(ds, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def _patch(path: Path, old: bytes, new: bytes) -> Path:
    """Replace header bytes (same length): pydicom refuses to write invalid values itself."""
    raw = path.read_bytes()
    assert raw.count(old) == 1 and len(old) == len(new)
    path.write_bytes(raw.replace(old, new))
    return path


def _slices(folder: Path, positions, *, thickness=5.0, spacing=None, numbers=None) -> Path:
    """A series of 8x8 slices at ``positions`` (mm) named slice_<i>.dcm, headers as the sample's."""
    from pydicom.uid import generate_uid

    uid = generate_uid()
    for i, z in enumerate(positions):
        ds = new_ct_dataset((8, 8), position=z, slice_thickness=thickness)
        ds.SeriesInstanceUID = uid
        if numbers is not None:
            ds.InstanceNumber = numbers[i]
        if spacing is not None:
            ds.SpacingBetweenSlices = spacing
        _save(ds, folder / f"slice_{i}.dcm")
    return folder


def _one_line_error(read, path: Path, match: str, names: str) -> str:
    """The InputError of ``read(path)``: matches ``match``, names ``names``, one line, no warning printed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(InputError, match=match) as e:
            read(path)
    message = str(e.value)
    assert names in message and "\n" not in message, message
    assert [str(w.message) for w in caught] == []
    return message


# -- header values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("keyword", "value", "match"), [
    ("RescaleSlope", b"Inf ", r"RescaleSlope is 'Inf': not a finite number"),
    ("RescaleSlope", b"abc ", r"RescaleSlope is 'abc': not a number"),
    ("RescaleSlope", b"0.0 ", r"RescaleSlope is 0"),
    ("RescaleIntercept", b"NaN ", r"RescaleIntercept is 'NaN': not a finite number"),
])
def test_bad_rescale_is_one_line_without_warnings(tmp_path, keyword, value, match):
    ds = new_ct_dataset((8, 8))
    setattr(ds, keyword, "9.75")
    path = _patch(_save(ds, tmp_path / "bad.dcm"), b"9.75", value)
    _one_line_error(read_dicom, path, match, "bad.dcm")


def test_bad_rescale_in_a_series_names_the_slice(tmp_path):
    folder = _slices(tmp_path / "series", [0.0, 5.0])
    ds = read_dicom(folder / "slice_1.dcm").meta["dataset"]
    ds.RescaleSlope = "9.75"
    _patch(_save(ds, folder / "slice_1.dcm"), b"9.75", b"Inf ")
    _one_line_error(read_dicom_series, folder, "RescaleSlope is 'Inf'", "slice_1.dcm")


def test_bad_instance_number_is_one_line_without_warnings(tmp_path):
    folder = _slices(tmp_path / "series", [0.0, 5.0], numbers=[987650, 987651])
    for i in range(2):
        ds = read_dicom(folder / f"slice_{i}.dcm").meta["dataset"]
        del ds.ImagePositionPatient  # ordered by InstanceNumber
        _save(ds, folder / f"slice_{i}.dcm")
    _patch(folder / "slice_1.dcm", b"987651", b"x1    ")
    _one_line_error(read_dicom_series, folder, "InstanceNumber is 'x1': not a number", "slice_1.dcm")


# -- float pixel data ------------------------------------------------------------------------------


@pytest.mark.parametrize(("keyword", "dtype", "bits"), [("FloatPixelData", np.float32, 32),
                                                         ("DoubleFloatPixelData", np.float64, 64)])
def test_float_pixel_data_reads_in_hu_and_round_trips(tmp_path, keyword, dtype, bits):
    ds = new_ct_dataset((4, 5))  # slope 1, intercept -1024
    del ds.PixelData, ds.BitsStored, ds.HighBit, ds.PixelRepresentation
    ds.BitsAllocated = bits
    stored = np.arange(20, dtype=dtype).reshape(4, 5) * 10.25 + 1000.5
    setattr(ds, keyword, stored.tobytes())
    sample = read_dicom(_save(ds, tmp_path / "float.dcm"))
    np.testing.assert_array_equal(sample.array, (stored - 1024).astype(np.float32))
    write_dicom(sample.with_array(sample.array * 2), tmp_path / "out.dcm")
    back = read_dicom(tmp_path / "out.dcm")
    np.testing.assert_array_equal(back.array, sample.array * 2)
    assert keyword in back.meta["dataset"] and "PixelData" not in back.meta["dataset"]


def test_32_bit_integers_round_trip(tmp_path):
    ds = new_ct_dataset((4, 4))
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 32, 32, 31
    ds.PixelData = (np.arange(16, dtype="<i4") * 100000).tobytes()
    sample = read_dicom(_save(ds, tmp_path / "i32.dcm"))
    write_dicom(sample.with_array(sample.array + 1), tmp_path / "out.dcm")
    np.testing.assert_array_equal(read_dicom(tmp_path / "out.dcm").array, sample.array + 1)
    assert read_dicom(tmp_path / "out.dcm").array[0, 3] == 300000 - 1024 + 1


def test_no_pixel_data_of_any_kind(tmp_path):
    ds = new_ct_dataset((8, 8))
    del ds.PixelData
    _one_line_error(read_dicom, _save(ds, tmp_path / "empty.dcm"),
                    "no pixel data \\(no Pixel Data, Float Pixel Data or Double Float Pixel Data", "empty.dcm")


# -- missing slices --------------------------------------------------------------------------------


def test_three_slice_series_with_its_middle_slice_missing(tmp_path):
    """The plugin's own 3-slice example (2 mm apart, 2 mm thick, no InstanceNumber) without slice_1."""
    folder = tmp_path / "series"
    write_dicom_series(example_dicom_series(), folder)
    (folder / "slice_1.dcm").unlink()
    _one_line_error(read_dicom_series, folder, r"gap in slice positions: 4 mm between slice_0.dcm and slice_2.dcm, "
                                               r"expected 2 mm \(SliceThickness\): a slice is missing", "series")


@pytest.mark.parametrize(("headers", "source"), [
    ({"numbers": [1, 3]}, "SliceThickness"),  # the sample's series (InstanceNumber 1, 2, 3) without slice 2
    ({"numbers": [1, 2], "spacing": 5.0}, "SpacingBetweenSlices"),  # the spacing is explicit
])
def test_two_slices_a_missing_slice_apart(tmp_path, headers, source):
    folder = _slices(tmp_path / "s", [0.0, 10.0], **headers)
    _one_line_error(read_dicom_series, folder, f"10 mm between slice_0.dcm and slice_1.dcm, expected 5 mm "
                                               f"\\({source}\\)", "s")


@pytest.mark.parametrize(("positions", "headers"), [
    ([0.0, 5.0], {"numbers": [1, 2]}),  # contiguous
    ([0.0, 5.0], {}),
    ([0.0, 2.5], {"numbers": [1, 3]}),  # overlapping reconstruction: 5 mm slices every 2.5 mm
    ([0.0, 10.0], {"numbers": [7, 8]}),  # gapped acquisition: consecutive numbers, nothing missing
    ([0.0, 10.0], {"thickness": 0.0}),  # no clue at all
    ([0.0, 10.0, 20.0], {}),  # three slices: their own spacing counts, not the thickness
])
def test_legitimate_series_are_read(tmp_path, positions, headers):
    sample = read_dicom_series(_slices(tmp_path / "s", positions, **headers))
    assert sample.array.shape == (len(positions), 8, 8)


def test_gap_among_three_slices_reports_the_true_spacing(tmp_path):
    folder = _slices(tmp_path / "s", [0.0, 1.0, 3.0], thickness=1.0)
    _one_line_error(read_dicom_series, folder, "gap in slice positions: 2 mm between slice_1.dcm and slice_2.dcm, "
                                               "expected 1 mm$", "s")


def test_mixed_orientations_name_the_slice(tmp_path):
    folder = _slices(tmp_path / "s", [0.0, 5.0, 10.0])
    ds = new_ct_dataset((8, 8), position=15.0)
    ds.SeriesInstanceUID = read_dicom(folder / "slice_0.dcm").meta["dataset"].SeriesInstanceUID
    ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 0.0, -1.0]  # coronal among axial slices
    _save(ds, folder / "slice_3.dcm")
    _one_line_error(read_dicom_series, folder, "ImageOrientationPatient differs from slice_0.dcm's", "slice_3.dcm")


# -- other files in a series folder ----------------------------------------------------------------


OTHER_FILES = {
    "README.txt": b"CT head, exported 2024-05-01\n",
    "info.json": b'{"patient": "anonymous"}',
    ".DS_Store": b"\x00\x00\x00\x01Bud1" + bytes(range(256)),
    "Thumbs.db": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
    "preview.png": b"\x89PNG\r\n\x1a\n" + bytes(64),
    "notes": b"",
}


def test_other_files_in_a_series_folder_are_skipped(tmp_path):
    folder = _slices(tmp_path / "s", [0.0, 5.0, 10.0], numbers=[1, 2, 3])
    for name, content in OTHER_FILES.items():
        (folder / name).write_bytes(content)
    sample = read_dicom_series(folder)
    assert sample.meta["files"] == ["slice_0.dcm", "slice_1.dcm", "slice_2.dcm"]


def test_folder_without_dicom_files(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "README.txt").write_text("the slices are elsewhere")
    _one_line_error(read_dicom_series, folder, r"folder holds no DICOM files \(only README.txt\)", "s")


def test_dicom_without_preamble_is_read_not_skipped(tmp_path):
    """Older exports store the data set alone (no preamble, no file meta), often without a suffix."""
    import pydicom

    folder = _slices(tmp_path / "s", [0.0, 5.0, 10.0])
    ds = pydicom.dcmread(folder / "slice_2.dcm")
    ds.PixelData = np.full((8, 8), 7, np.int16).tobytes()
    ds.file_meta, ds.preamble = pydicom.dataset.FileMetaDataset(), None
    pydicom.dcmwrite(folder / "IM0003", ds, implicit_vr=True, little_endian=True)
    (folder / "slice_2.dcm").unlink()
    sample = read_dicom_series(folder)
    assert sample.meta["files"] == ["slice_0.dcm", "slice_1.dcm", "IM0003"]
    assert (sample.array[2] == 7 - 1024).all()


@pytest.mark.parametrize(("content", "match"), [
    (b"", "file is empty"),
    (b"not an image\n" * 20, "not a DICOM file"),
    ("truncated", "truncated or corrupt"),
])
def test_bad_dcm_file_in_a_series_names_it(tmp_path, content, match):
    folder = _slices(tmp_path / "s", [0.0, 5.0, 10.0])
    bad = folder / "slice_1.dcm"
    bad.write_bytes(bad.read_bytes()[:300] if content == "truncated" else content)
    _one_line_error(read_dicom_series, folder, match, "slice_1.dcm")


def test_missing_series_folder(tmp_path):
    _one_line_error(read_dicom_series, tmp_path / "nowhere", "folder not found", "nowhere")


def test_two_series_name_a_file_of_each(tmp_path):
    folder = _slices(tmp_path / "s", [0.0, 5.0])
    _slices(tmp_path / "t", [10.0])
    (tmp_path / "t" / "slice_0.dcm").rename(folder / "slice_2.dcm")
    _one_line_error(read_dicom_series, folder, r"2 series \(different SeriesInstanceUIDs, e.g. slice_0.dcm and "
                                               r"slice_2.dcm\)", "s")


# -- unsupported slices ----------------------------------------------------------------------------


def _rgb(ds):
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = bytes(8 * 8 * 3)


def _multi_frame(ds):
    ds.NumberOfFrames = 2
    ds.PixelData = bytes(2 * 8 * 8 * 2)


def _big_endian(ds):
    from pydicom.uid import ExplicitVRBigEndian

    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian


def _short_pixel_data(ds):
    ds.PixelData = bytes(10)


@pytest.mark.parametrize(("change", "match"), [
    (_rgb, "3 samples per pixel"),
    (_multi_frame, "multi-frame"),
    (_big_endian, "Explicit VR Big Endian .* not supported"),
    (_short_pixel_data, "truncated or corrupt pixel data"),
])
def test_unsupported_slices(tmp_path, change, match):
    ds = new_ct_dataset((8, 8))
    change(ds)
    _one_line_error(read_dicom, _save(ds, tmp_path / "odd.dcm"), match, "odd.dcm")


def test_text_file_named_dcm(tmp_path):
    path = tmp_path / "slice.dcm"
    path.write_text("hello\n" * 30)
    _one_line_error(read_dicom, path, "not a DICOM file", "slice.dcm")
