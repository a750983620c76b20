"""Round trips and bad-input errors for the npy, PNG, TIFF and NIfTI formats."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from denoisekit.errors import InputError
from denoisekit.image import formats, plugin
from denoisekit.sample import Sample

RECORDS = {r.name: r for r in plugin.register_formats()}
SUFFIX = {"npy": ".npy", "png": ".png", "tiff": ".tif", "nifti": ".nii.gz"}
rng = np.random.default_rng(0)


def round_trip(sample: Sample, path: Path) -> Sample:
    record = RECORDS[sample.format]
    record.write(sample, path)
    back = record.read(path)
    assert back.array.dtype == sample.array.dtype
    np.testing.assert_array_equal(back.array, sample.array)
    assert back.axes == sample.axes
    assert back.path == path
    return back


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_example_round_trip_is_exact(name: str, tmp_path: Path) -> None:
    record = RECORDS[name]
    assert record.exact
    example = record.example()
    assert example.format == name
    round_trip(example, tmp_path / f"example{SUFFIX[name]}")


@pytest.mark.parametrize(("fmt", "suffix", "array", "axes"), [
    ("npy", ".npy", rng.integers(0, 255, (8, 16, 3), dtype=np.uint8), "HWC"),
    ("npy", ".npy", rng.normal(size=(5, 8, 16)), "DHW"),
    ("npy", ".npy", (rng.normal(size=(8, 8)) + 1j).astype(np.complex64), "HW"),
    ("png", ".png", rng.integers(0, 255, (8, 16), dtype=np.uint8), "HW"),
    ("png", ".png", rng.integers(0, 255, (8, 16, 3), dtype=np.uint8), "HWC"),
    ("png", ".png", rng.integers(0, 255, (8, 16, 4), dtype=np.uint8), "HWC"),
    ("tiff", ".tiff", rng.integers(0, 255, (8, 16, 3), dtype=np.uint8), "HWC"),
    ("tiff", ".tif", rng.normal(size=(8, 16)).astype(np.float32), "HW"),
    ("nifti", ".nii", rng.normal(size=(8, 16)).astype(np.float32), "HW"),
    ("nifti", ".nii.gz", rng.integers(-1000, 3000, (8, 16, 5), dtype=np.int16), "HWD"),
])
def test_round_trip(fmt: str, suffix: str, array: np.ndarray, axes: str, tmp_path: Path) -> None:
    sample = Sample(array, axes, fmt, {"dtype": array.dtype.str})
    back = round_trip(sample, tmp_path / f"x{suffix}")
    assert back.meta["dtype"] == array.dtype.str


def test_integer_ranges(tmp_path: Path) -> None:
    assert RECORDS["png"].example().data_range == 65535
    png = tmp_path / "a.png"
    formats.write_png(Sample(np.zeros((4, 4), np.uint8), "HW", "png"), png)
    assert formats.read_png(png).data_range == 255
    assert round_trip(RECORDS["tiff"].example(), tmp_path / "a.tif").data_range == 65535
    assert round_trip(RECORDS["nifti"].example(), tmp_path / "a.nii").data_range is None


def test_nifti_keeps_affine_and_header(tmp_path: Path) -> None:
    first = round_trip(RECORDS["nifti"].example(), tmp_path / "a.nii.gz")
    np.testing.assert_array_equal(first.meta["affine"], RECORDS["nifti"].example().meta["affine"])
    first.meta["header"].set_xyzt_units("mm", "sec")
    formats.write_nifti(first.with_array(first.array.astype(np.float64)), tmp_path / "b.nii.gz")
    second = formats.read_nifti(tmp_path / "b.nii.gz")
    assert second.array.dtype == np.int16
    np.testing.assert_array_equal(second.array, first.array)
    np.testing.assert_array_equal(second.meta["affine"], first.meta["affine"])
    assert second.meta["header"].get_xyzt_units() == ("mm", "sec")
    assert second.meta["header"].get_zooms() == (0.5, 0.5, 2.0)


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_writer_rounds_and_clips_float_output_to_the_stored_dtype(name: str, tmp_path: Path) -> None:
    example = RECORDS[name].example()
    dtype = example.array.dtype
    if dtype.kind == "f":
        out = example.with_array(example.array.astype(np.float64) + 0.25)
        expected = out.array.astype(dtype)
    else:
        info = np.iinfo(dtype)
        values = np.array([info.min - 5.0, -0.6, 0.4, 10.5, 11.5, info.max + 7.0])
        out = example.with_array(np.resize(values, example.array.shape))
        expected = np.clip(np.rint(out.array), info.min, info.max).astype(dtype)
    path = tmp_path / f"out{SUFFIX[name]}"
    RECORDS[name].write(out, path)
    back = RECORDS[name].read(path)
    assert back.array.dtype == dtype
    np.testing.assert_array_equal(back.array, expected)


# -- bad inputs ----------------------------------------------------------------------------------


def expect_input_error(name: str, path: Path, match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        RECORDS[name].read(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_missing_empty_and_directory(name: str, tmp_path: Path) -> None:
    expect_input_error(name, tmp_path / f"missing{SUFFIX[name]}", "not found")
    empty = tmp_path / f"empty{SUFFIX[name]}"
    empty.write_bytes(b"")
    expect_input_error(name, empty, "empty")
    folder = tmp_path / f"folder{SUFFIX[name]}"
    folder.mkdir()
    expect_input_error(name, folder, "not a regular file")


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_text_file_with_the_suffix(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"notes{SUFFIX[name]}"
    path.write_text("this is not an image\n" * 40)
    expect_input_error(name, path, "not a")


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_truncated_file(name: str, tmp_path: Path) -> None:
    example = RECORDS[name].example()
    good = tmp_path / f"good{SUFFIX[name]}"
    RECORDS[name].write(example.with_array(rng.normal(size=example.array.shape) * 100), good)
    data = good.read_bytes()
    bad = tmp_path / f"bad{SUFFIX[name]}"
    bad.write_bytes(data[: len(data) // 2])
    expect_input_error(name, bad, "corrupt|truncated|not a readable")


def test_png_that_is_a_jpeg(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "photo.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(path, format="JPEG")
    expect_input_error("png", path, "looks like JPEG")


@pytest.mark.parametrize("shape", [(7,), (2, 3, 4, 5)])
def test_npy_bad_dimensions(shape: tuple[int, ...], tmp_path: Path) -> None:
    path = tmp_path / "a.npy"
    np.save(path, np.zeros(shape, np.float32))
    expect_input_error("npy", path, "unsupported shape")


@pytest.mark.parametrize(("array", "match"), [
    (np.array([[1, "a"], [None, 2.0]], dtype=object), "object arrays"),
    (np.zeros((4, 4), bool), "unsupported data type bool"),
    (np.zeros((4, 4), "U3"), "unsupported data type"),
])
def test_npy_bad_dtypes(array: np.ndarray, match: str, tmp_path: Path) -> None:
    path = tmp_path / "a.npy"
    np.save(path, array, allow_pickle=True)
    expect_input_error("npy", path, match)


def test_npy_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.npy"
    with path.open("wb") as f:
        np.savez(f, x=np.zeros((4, 4)))
    expect_input_error("npy", path, "not a NumPy .npy file")


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 2, 3, 4, 5)])
def test_tiff_bad_dimensions(shape: tuple[int, ...], tmp_path: Path) -> None:
    import tifffile

    path = tmp_path / "a.tif"
    tifffile.imwrite(path, np.zeros(shape, np.uint8), photometric="minisblack")
    expect_input_error("tiff", path, "unsupported shape")


@pytest.mark.parametrize("shape", [(7,), (4, 4, 3, 2)])
def test_nifti_bad_dimensions(shape: tuple[int, ...], tmp_path: Path) -> None:
    import nibabel as nib

    path = tmp_path / "a.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros(shape, np.float32), np.eye(4)), path)
    expect_input_error("nifti", path, "unsupported shape")


def test_nifti_complex_keeps_imaginary_part(tmp_path: Path) -> None:
    array = (rng.normal(size=(6, 6)) + 1j * rng.normal(size=(6, 6))).astype(np.complex64)
    round_trip(Sample(array, "HW", "nifti", {"dtype": array.dtype.str}), tmp_path / "c.nii")


def test_gzip_of_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.nii.gz"
    path.write_bytes(gzip.compress(b"\0" * 600))
    expect_input_error("nifti", path, "not a")
