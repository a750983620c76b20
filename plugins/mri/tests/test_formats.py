"""fastMRI HDF5 and NIfTI: round trips through the real writers, header parsing, the output layout, and
every bad input of the issue as a one-line error naming the file, exit code 2 and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import nibabel as nib
import numpy as np
import pytest
from denoisekit_mri.formats import (
    example_fastmri,
    make_header,
    parse_header,
    read_fastmri,
    read_nifti,
    write_fastmri,
    write_nifti,
)

from denoisekit.api import InputError, Sample
from denoisekit.testing import cli


def _kspace(shape=(2, 4, 16, 12), seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)


def _h5(path: Path, **datasets) -> Path:
    with h5py.File(path, "w") as h5:
        for key, value in datasets.items():
            h5.create_dataset(key, data=value.encode() if isinstance(value, str) else value)
    return path


def test_header_round_trip():
    assert parse_header(make_header((640, 368), (320, 320))) == {"encoded": (640, 368), "recon": (320, 320)}


def test_fastmri_kspace_round_trip_keeps_mask_header_and_attrs(tmp_path):
    sample = example_fastmri()
    write_fastmri(sample, tmp_path / "k.h5")
    back = read_fastmri(tmp_path / "k.h5")
    assert back.axes == "DKHW" and back.array.dtype == np.complex64
    np.testing.assert_array_equal(back.array, sample.array)
    np.testing.assert_array_equal(back.meta["mask"], sample.meta["mask"])
    assert back.meta["encoded"] == (16, 12) and back.meta["attrs"]["acquisition"] == "example"


def test_single_coil_and_reconstruction_files(tmp_path):
    single = read_fastmri(_h5(tmp_path / "s.h5", kspace=_kspace((3, 16, 12))))
    assert single.axes == "DHW" and single.meta["mask"] is None
    rss = np.abs(_kspace((2, 16, 12))).astype(np.float32)
    ref = read_fastmri(_h5(tmp_path / "r.h5", reconstruction_rss=rss))
    assert ref.axes == "DHW" and ref.meta["key"] == "reconstruction_rss"
    np.testing.assert_array_equal(ref.array, rss)
    # a real array is written as the submission's 'reconstruction' (float32), with no k-space
    out = Sample(rss.astype(np.float64), "DHW", "fastmri", example_fastmri().meta, description="zero-filled")
    write_fastmri(out, tmp_path / "out.h5")
    with h5py.File(tmp_path / "out.h5") as h5:
        assert set(h5) == {"reconstruction"} and h5["reconstruction"].dtype == np.float32
        assert h5.attrs["description"] == "zero-filled" and h5.attrs["max"] == pytest.approx(rss.max())


def test_nifti_complex_round_trip_slices_first(tmp_path):
    volume = _kspace((12, 10, 3))  # (x, y, z) as NIfTI stores it
    nib.save(nib.Nifti1Image(volume, np.eye(4)), tmp_path / "c.nii.gz")
    sample = read_nifti(tmp_path / "c.nii.gz")
    assert sample.axes == "DHW" and sample.array.shape == (3, 12, 10) and sample.array.dtype == np.complex64
    np.testing.assert_array_equal(sample.array[1], volume[..., 1])  # the imaginary part is kept
    write_nifti(sample, tmp_path / "back.nii")
    np.testing.assert_array_equal(np.asarray(nib.load(tmp_path / "back.nii").dataobj), volume)
    image = np.arange(20, dtype=np.float32).reshape(4, 5)
    nib.save(nib.Nifti1Image(image, np.eye(4)), tmp_path / "m.nii")
    sample = read_nifti(tmp_path / "m.nii")
    assert sample.array.shape == (1, 4, 5)
    write_nifti(sample, tmp_path / "m2.nii")
    np.testing.assert_array_equal(np.asarray(nib.load(tmp_path / "m2.nii").dataobj), image)


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    k = _kspace()
    good_mask = np.ones(12, dtype=bool)
    nan = k.copy()
    nan[0, 0, 3, 3] = np.nan
    return {
        "no kspace": (_h5(tmp / "nokspace.h5", mask=good_mask), "no 'kspace' dataset"),
        "real kspace": (_h5(tmp / "real.h5", kspace=k.real), "real-valued"),
        "mask length": (_h5(tmp / "masklen.h5", kspace=k, mask=np.ones(10, dtype=bool)),
                        "'mask' has 10 entries but 'kspace' has 12 columns"),
        "coils last": (_h5(tmp / "coilslast.h5", kspace=_kspace((2, 16, 12, 4))), "looks like (slices, H, W, coils)"),
        "coil axis too large": (_h5(tmp / "coilsbig.h5", kspace=_kspace((2, 40, 16, 12))), "coil axis"),
        "nan": (_h5(tmp / "nan.h5", kspace=nan), "NaN"),
        "header": (_h5(tmp / "header.h5", kspace=k, ismrmrd_header=make_header((32, 12), (32, 12))),
                   "encoded matrix (32, 12) disagrees with the k-space (H, W) = (16, 12)"),
        "not hdf5": (tmp / "garbage.h5", "not a readable HDF5 file"),
    }


@pytest.mark.parametrize("case", ["no kspace", "real kspace", "mask length", "coils last", "coil axis too large",
                                  "nan", "header", "not hdf5"])
def test_bad_input_is_a_one_line_error_and_nothing_is_written(tmp_path, capsys, case):
    (tmp_path / "garbage.h5").write_bytes(b"not an hdf5 file\x00" * 4)
    path, message = _bad_files(tmp_path)[case]
    out = tmp_path / "out"
    code = cli(["run", "mri/zero-filled", "-i", str(path), "-o", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert message in err and path.name in err and len(err.splitlines()) == 1, err
    assert not out.exists()


def test_reconstruction_file_as_input_needs_kspace(tmp_path, capsys):
    path = _h5(tmp_path / "recon.h5", reconstruction_rss=np.ones((1, 8, 8), np.float32))
    code = cli(["run", "mri/sense", "-i", str(path), "-o", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "needs k-space" in err and "recon.h5" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_single_coil_file_in_a_multicoil_pipeline_runs_with_unit_maps(tmp_path, capsys):
    rng = np.random.default_rng(0)
    image = np.zeros((1, 32, 32), np.complex64)
    image[0, 8:24, 10:22] = 1 + 0.2 * rng.standard_normal((16, 12))
    kspace = np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(image, axes=(-2, -1)), norm="ortho"), axes=(-2, -1))
    path = _h5(tmp_path / "single.h5", kspace=kspace.astype(np.complex64))
    code = cli(["run", "mri/sense", "-i", str(path), "-o", str(tmp_path / "out"), "--quiet", "--set", "tikhonov=0"])
    assert code == 0, capsys.readouterr().err
    notes = json.loads((tmp_path / "out" / "run.json").read_text())["notes"]
    assert "single-coil" in notes["single_coil"] and notes["coils"] == 1 and notes["mask_source"] == "columns"
    with h5py.File(tmp_path / "out" / "single.h5") as h5:
        np.testing.assert_allclose(h5["reconstruction"][()], np.abs(image), atol=1e-4)  # fully sampled: exact


def test_reading_errors_name_the_file(tmp_path):
    with pytest.raises(InputError, match="nothere.h5"):
        read_fastmri(tmp_path / "nothere.h5")
    (tmp_path / "bad.nii").write_bytes(b"garbage" * 10)
    with pytest.raises(InputError, match="bad.nii"):
        read_nifti(tmp_path / "bad.nii")
