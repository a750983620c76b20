"""ENVI and .mat readers/writers: round trips through the real writers, metadata kept, bad files refused."""

import numpy as np
import pytest
from denoisekit_hsi.formats import band_blocks, read_envi, read_mat, spatial_tiles, write_envi, write_mat

from denoisekit.api import InputError, Sample

WAVELENGTH = [450.0, 500.0, 550.0, 600.0]


def _cube(dtype="float32"):
    return (np.arange(6 * 5 * 4).reshape(6, 5, 4) % 11).astype(dtype)


def _envi(cube, interleave="bsq", byte_order=0, description=None):
    header = {"wavelength units": "Nanometers"} | ({"description": description} if description else {})
    return Sample(cube, "HWC", "envi", {"dtype": cube.dtype.str, "interleave": interleave, "byte_order": byte_order,
                                        "wavelength": WAVELENGTH, "fwhm": [10.0] * 4, "envi_header": header})


@pytest.mark.parametrize("interleave", ["bsq", "bil", "bip"])
@pytest.mark.parametrize("byte_order", [0, 1])
@pytest.mark.parametrize("dtype", ["float32", "int16", "uint16", "float64"])
def test_envi_round_trip_every_interleave(tmp_path, interleave, byte_order, dtype):
    cube = _cube(dtype)
    write_envi(_envi(cube, interleave, byte_order), tmp_path / "c.hdr")
    back = read_envi(tmp_path / "c.hdr")
    np.testing.assert_array_equal(back.array, cube)
    assert back.array.dtype == cube.dtype and back.axes == "HWC"
    assert back.meta["wavelength"] == WAVELENGTH and back.meta["interleave"] == interleave
    assert back.meta["byte_order"] == byte_order


def test_envi_output_keeps_header_fields_and_notes_processing(tmp_path):
    write_envi(_envi(_cube(), description="AVIRIS scene"), tmp_path / "in.hdr")
    sample = read_envi(tmp_path / "in.hdr")
    out = Sample(np.asarray(sample.array) * 0.5, "HWC", "envi", sample.meta, description="hsi/hyres")
    write_envi(out, tmp_path / "out.hdr")
    text = (tmp_path / "out.hdr").read_text()
    back = read_envi(tmp_path / "out.hdr")
    assert back.meta["wavelength"] == WAVELENGTH and back.meta["fwhm"] == [10.0] * 4
    assert "AVIRIS scene" in text and "hsi/hyres" in text and "Nanometers" in text


def test_envi_array_is_memory_mapped_copy_on_write(tmp_path):
    write_envi(_envi(_cube()), tmp_path / "c.hdr")
    arr = read_envi(tmp_path / "c.hdr").array
    assert isinstance(arr.base, np.memmap) or isinstance(arr, np.memmap)
    arr[0, 0, 0] = 99.0  # changes memory only
    assert read_envi(tmp_path / "c.hdr").array[0, 0, 0] == 0.0


def _edit_header(path, old, new):
    path.write_text(path.read_text().replace(old, new))


@pytest.mark.parametrize("edit, message", [
    (("interleave = bsq", "interleave = bxq"), "unknown interleave"),
    (("data type = 4", "data type = 7"), "unknown ENVI data type"),
    (("lines = 6", "lines = 7"), "truncated"),
    (("lines = 6", "lines = 5"), "larger than the header says"),
])
def test_envi_bad_headers(tmp_path, edit, message):
    write_envi(_envi(_cube()), tmp_path / "c.hdr")
    _edit_header(tmp_path / "c.hdr", *edit)
    with pytest.raises(InputError, match=message) as e:
        read_envi(tmp_path / "c.hdr")
    assert "\n" not in str(e.value)


def test_envi_truncated_binary(tmp_path):
    write_envi(_envi(_cube()), tmp_path / "c.hdr")
    data = (tmp_path / "c.img").read_bytes()
    (tmp_path / "c.img").write_bytes(data[:-7])
    with pytest.raises(InputError, match="truncated"):
        read_envi(tmp_path / "c.hdr")


def test_nan_band_and_single_band_are_refused(tmp_path):
    cube = _cube()
    cube[:, :, 2] = np.nan
    write_envi(_envi(cube), tmp_path / "nan.hdr")
    with pytest.raises(InputError, match=r"NaN or Inf values in 1 band\(s\) \(0-based: 2\)"):
        read_envi(tmp_path / "nan.hdr")
    one = Sample(_cube()[:, :, :1], "HWC", "envi", {"dtype": "<f4"})
    write_envi(one, tmp_path / "one.hdr")
    with pytest.raises(InputError, match="at least 2 bands"):
        read_envi(tmp_path / "one.hdr")


def _mat(cube, version="5"):
    return Sample(cube, "HWC", "mat", {"dtype": cube.dtype.str, "mat_variable": "paviaU", "mat_version": version,
                                       "mat_others": {}, "wavelength": WAVELENGTH})


@pytest.mark.parametrize("version", ["5", "7.3"])
def test_mat_round_trip(tmp_path, version):
    cube = _cube("float64")
    write_mat(_mat(cube, version), tmp_path / "c.mat")
    back = read_mat(tmp_path / "c.mat")
    np.testing.assert_array_equal(back.array, cube)
    assert back.meta["mat_variable"] == "paviaU" and back.meta["mat_version"] == version
    assert back.meta["wavelength"] == WAVELENGTH


def test_mat_v73_axis_order_is_matlabs(tmp_path):
    """MATLAB writes an (H, W, B) array column-major, which HDF5 shows as (B, W, H)."""
    import h5py

    cube = _cube("float32")
    with h5py.File(tmp_path / "m.mat", "w", userblock_size=512) as f:
        f.create_dataset("small", data=np.ones((3, 1)))
        f.create_dataset("cube", data=cube.transpose(2, 1, 0))
    back = read_mat(tmp_path / "m.mat")
    np.testing.assert_array_equal(back.array, cube)
    assert back.meta["mat_variable"] == "cube"


def test_mat_picks_the_largest_3d_variable_or_the_named_one(tmp_path):
    import scipy.io

    scipy.io.savemat(tmp_path / "two.mat", {"small": np.ones((2, 3, 4)), "big": np.ones((5, 6, 7)),
                                            "gt": np.ones((5, 6))})
    assert read_mat(tmp_path / "two.mat").meta["mat_variable"] == "big"
    assert read_mat(tmp_path / "two.mat", variable="small").array.shape == (2, 3, 4)


def test_mat_without_a_cube_lists_the_variables(tmp_path):
    import scipy.io

    scipy.io.savemat(tmp_path / "flat.mat", {"gt": np.ones((5, 6)), "labels": np.arange(3)})
    with pytest.raises(InputError, match=r"no 3-D array in the file \(found: gt 5x6, labels 1x3\)"):
        read_mat(tmp_path / "flat.mat")


def test_band_blocks_and_tiles_cover_the_cube():
    cube = np.random.default_rng(0).random((10, 13, 7))
    blocks = list(band_blocks(cube, 3))
    assert [b.stop - b.start for b, _ in blocks] == [3, 3, 1]
    np.testing.assert_array_equal(np.concatenate([a for _, a in blocks], axis=2), cube)
    covered = np.zeros(cube.shape[:2], dtype=int)
    for (rows, cols), tile in spatial_tiles(cube, 4, overlap=1):
        np.testing.assert_array_equal(tile, cube[rows, cols])
        covered[rows, cols] += 1
    assert covered.min() >= 1
