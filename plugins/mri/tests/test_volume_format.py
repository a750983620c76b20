"""The MR DICOM series format: geometry round trip through pydicom's writer, a real multi-frame MR file of
pydicom-data, mri/disgan on a series folder (more slices, half the spacing), and bad folders refused."""

from __future__ import annotations

import shutil

import numpy as np
import pydicom
import pytest
import torch
from denoisekit_mri.disgan_networks import Generator
from denoisekit_mri.volume_format import example_mr_series, read_mr_series, write_mr_series
from pydicom.data import get_testdata_file

from denoisekit.testing import cli


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _error(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    return lines[-1] if lines else ""


def test_series_round_trip_keeps_geometry_and_values(tmp_path):
    sample = example_mr_series()
    write_mr_series(sample, tmp_path / "series")
    files = sorted((tmp_path / "series").iterdir())
    assert len(files) == 3
    positions = [np.array(pydicom.dcmread(f).ImagePositionPatient, dtype=float) for f in files]
    np.testing.assert_allclose(positions[1] - positions[0], sample.meta["affine"][:3, 2], atol=1e-6)
    back = read_mr_series(tmp_path / "series")
    np.testing.assert_allclose(back.meta["affine"], sample.meta["affine"], atol=1e-6)
    np.testing.assert_allclose(back.array, sample.array, atol=sample.array.max() / 65535)


def test_reads_the_real_multiframe_mr_of_pydicom_data(tmp_path):
    shutil.copy(get_testdata_file("emri_small.dcm"), tmp_path)
    sample = read_mr_series(tmp_path)
    frames = pydicom.dcmread(get_testdata_file("emri_small.dcm")).pixel_array
    assert sample.array.shape == (10, 64, 64)
    np.testing.assert_array_equal(sample.array, frames.astype(np.float32))


def test_disgan_on_a_series_doubles_the_slices_and_halves_their_spacing(tmp_path, capsys):
    write_mr_series(example_mr_series(), tmp_path / "series")
    torch.save(Generator(4, 2, 1).payload(degradation={"scale": 2, "axes": "all"}), tmp_path / "w.pt")
    out = tmp_path / "out"
    code = cli(["run", "mri/disgan", "-i", str(tmp_path / "series"), "-o", str(out), "--quiet",
                "--set", "axes=slice", "--set", f"weights={tmp_path / 'w.pt'}"])
    assert code == 0, capsys.readouterr().err
    result = read_mr_series(out / "series")
    assert result.array.shape == (6, 12, 10)
    original = example_mr_series().meta["affine"]
    np.testing.assert_allclose(result.meta["affine"][:3, 2], original[:3, 2] / 2, atol=1e-6)
    np.testing.assert_allclose(result.meta["affine"][:3, :2], original[:3, :2], atol=1e-6)


def test_bad_series_folders_give_one_line(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    same = tmp_path / "same_position"
    same.mkdir()
    for name in ("MR_small.dcm", "MR_small_RLE.dcm"):  # the same slice, twice
        shutil.copy(get_testdata_file(name), same)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "slice.dcm").write_bytes(b"not dicom at all")
    for folder, words in ((empty, "no DICOM files"), (same, "share one position"), (broken, "not a readable DICOM")):
        out = tmp_path / f"out_{folder.name}"
        assert cli(["run", "mri/disgan", "-i", str(folder), "-o", str(out), "--quiet"]) == 2
        error = _error(capsys)
        assert folder.name in error and words in error, error
        assert not out.exists()
