"""DICOM slice and series: HU round trips through pydicom, rewritten headers, and one-line errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from denoisekit_ct.dicom_format import (
    new_ct_dataset,
    read_dicom,
    read_dicom_series,
    write_dicom,
    write_dicom_series,
)

from denoisekit.api import InputError

GEOMETRY_TAGS = ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "SliceThickness")


@pytest.fixture(scope="module")
def head_ct() -> Path:
    from pydicom.data import get_testdata_file

    return Path(get_testdata_file("693_UNCR.dcm"))


def test_real_slice_reads_in_hu_and_round_trips(head_ct, tmp_path):
    sample = read_dicom(head_ct)
    assert sample.axes == "HW" and sample.array.shape == (512, 512) and sample.array.dtype == np.float32
    ds = sample.meta["dataset"]
    assert ds.RescaleIntercept == -1024 and sample.array.min() == -3024  # outside the field of view
    assert float(np.median(sample.array[200:300, 200:300])) == pytest.approx(35, abs=15)  # brain tissue
    assert sample.display_window == (-160.0, 240.0)  # report.png shows the metrics' HU window
    sample = replace(sample, description="filter2noise sigma_scale=1")
    write_dicom(sample, tmp_path / "out.dcm")
    back = read_dicom(tmp_path / "out.dcm")
    np.testing.assert_array_equal(back.array, sample.array)
    new = back.meta["dataset"]
    assert new.SOPInstanceUID != ds.SOPInstanceUID and new.SeriesInstanceUID != ds.SeriesInstanceUID
    assert new.file_meta.MediaStorageSOPInstanceUID == new.SOPInstanceUID
    assert new.SeriesDescription.endswith("filter2noise sigma_scale=1") and len(new.SeriesDescription) <= 64
    assert new.ImageType[0] == "DERIVED" and new.StudyInstanceUID == ds.StudyInstanceUID
    for tag in GEOMETRY_TAGS:
        assert new.get(tag) == ds.get(tag), tag


def test_writing_rounds_and_clips_to_the_stored_range(head_ct, tmp_path):
    sample = read_dicom(head_ct)
    bits = int(sample.meta["dataset"].BitsStored)  # 14-bit signed, intercept -1024
    array = sample.array.copy()
    array[0, 0], array[0, 1], array[0, 2] = 1e6, -1e6, 12.4
    write_dicom(sample.with_array(array), tmp_path / "out.dcm")
    back = read_dicom(tmp_path / "out.dcm").array
    assert back[0, 0] == 2 ** (bits - 1) - 1 - 1024 and back[0, 1] == -(2 ** (bits - 1)) - 1024
    assert back[0, 2] == 12.0


def test_compressed_slice_decodes_or_fails_in_one_line(tmp_path):
    """A JPEG-LS slice whose codestream no installed decoder reads: a one-line InputError naming the file."""
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGLSLossless

    ds = new_ct_dataset((8, 8))
    ds.file_meta.TransferSyntaxUID = JPEGLSLossless
    ds.PixelData = encapsulate([b"\xff\xd8\xff\xf7 not a codestream \xff\xd9"])
    ds["PixelData"].VR = "OB"
    path = tmp_path / "jpegls.dcm"
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(InputError, match="cannot decode the compressed transfer syntax JPEG-LS") as e:
        read_dicom(path)
    assert "jpegls.dcm" in str(e.value) and "\n" not in str(e.value)


def _save(ds, path: Path) -> Path:
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.mark.parametrize(("change", "message"), [
    (lambda ds: delattr(ds, "PixelData"), "no pixel data"),
    (lambda ds: setattr(ds, "Modality", "MR"), "modality is MR, not CT"),
])
def test_bad_slices(tmp_path, change, message):
    ds = new_ct_dataset((8, 8))
    change(ds)
    path = _save(ds, tmp_path / "bad.dcm")
    with pytest.raises(InputError, match=message) as e:
        read_dicom(path)
    assert "bad.dcm" in str(e.value) and "\n" not in str(e.value)


def test_truncated_slice(head_ct, tmp_path):
    raw = head_ct.read_bytes()
    path = tmp_path / "cut.dcm"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(InputError, match="truncated") as e:
        read_dicom(path)
    assert "cut.dcm" in str(e.value) and "\n" not in str(e.value)


def _series(folder: Path, positions, shapes=None, series_uid=None) -> Path:
    from pydicom.uid import generate_uid

    folder.mkdir()
    uid = series_uid or generate_uid()
    for i, z in enumerate(positions):
        ds = new_ct_dataset((shapes or {}).get(i, (8, 8)), position=z)
        ds.SeriesInstanceUID = uid if not isinstance(series_uid, list) else series_uid[i]
        ds.InstanceNumber = i + 1
        shape = (int(ds.Rows), int(ds.Columns))
        ds.PixelData = np.full(shape, int(z * 10), np.int16).tobytes()
        _save(ds, folder / f"file_{(7 * i) % len(positions)}.dcm")  # file names out of order
    return folder


def test_series_sorted_by_position_and_written_as_a_new_series(tmp_path):
    folder = _series(tmp_path / "in", [2.5, 0.0, 5.0, 7.5])
    sample = read_dicom_series(folder)
    assert sample.axes == "DHW" and sample.array.shape == (4, 8, 8)
    np.testing.assert_array_equal(sample.array[:, 0, 0], np.array([0, 25, 50, 75]) - 1024)
    sample = replace(sample, description="denoised")
    write_dicom_series(sample.with_array(sample.array + 1), tmp_path / "out")
    back = read_dicom_series(tmp_path / "out")
    np.testing.assert_array_equal(back.array, sample.array + 1)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in folder.iterdir())
    uids = {ds.SeriesInstanceUID for ds in back.meta["datasets"]}
    assert len(uids) == 1 and uids.isdisjoint({ds.SeriesInstanceUID for ds in sample.meta["datasets"]})
    assert len({ds.SOPInstanceUID for ds in back.meta["datasets"]}) == 4
    for old, new in zip(sample.meta["datasets"], back.meta["datasets"], strict=True):
        assert new.ImagePositionPatient == old.ImagePositionPatient
        assert new.SeriesDescription.endswith("denoised")


def test_series_with_a_gap(tmp_path):
    with pytest.raises(InputError, match="gap in slice positions: 5 mm") as e:
        read_dicom_series(_series(tmp_path / "gap", [0.0, 2.5, 7.5, 10.0]))
    assert "\n" not in str(e.value)


def test_series_with_mixed_sizes(tmp_path):
    with pytest.raises(InputError, match="mixed sizes"):
        read_dicom_series(_series(tmp_path / "mixed", [0.0, 1.0, 2.0], shapes={1: (8, 10)}))


def test_folder_with_two_series(tmp_path):
    from pydicom.uid import generate_uid

    a, b = generate_uid(), generate_uid()
    with pytest.raises(InputError, match="2 series"):
        read_dicom_series(_series(tmp_path / "two", [0.0, 1.0, 2.0], series_uid=[a, b, a]))


def test_series_with_a_bad_file_names_that_file(tmp_path):
    folder = _series(tmp_path / "s", [0.0, 1.0])
    (folder / "notes.txt").write_text("hello")  # not DICOM, not named .dcm: skipped
    assert read_dicom_series(folder).array.shape == (2, 8, 8)
    (folder / "notes.dcm").write_text("hello")
    with pytest.raises(InputError, match="not a DICOM file") as e:
        read_dicom_series(folder)
    assert "notes.dcm" in str(e.value)


def test_series_path_must_be_a_folder(head_ct):
    with pytest.raises(InputError, match="not a folder"):
        read_dicom_series(head_ct)
