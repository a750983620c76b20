"""The hsi domain's .npy format: a cube .npy is (rows, columns, bands), read with those axes, and the report
shows it as a false-colour image (not a columns x bands slice)."""

import json

import numpy as np
import pytest
from denoisekit_hsi.cube_layout import as_cube
from denoisekit_hsi.formats import read_envi, write_envi
from denoisekit_hsi.npy_cube import read_npy_cube, write_npy_cube

from denoisekit.api import ImagePanel, InputError, Sample
from denoisekit.testing import run_pipeline


def _cube(dtype="float32", rows=9, columns=7, bands=5):
    """Distinct values, so any axis mix-up shows: value = 100 r + 10 c + b."""
    r, c, b = np.indices((rows, columns, bands))
    return (100 * r + 10 * c + b).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", ">f4", "uint16", "int16", "float64"])
def test_read_write_read_keeps_the_array_and_axes(tmp_path, dtype):
    cube = _cube(dtype)
    np.save(tmp_path / "in.npy", cube)
    first = read_npy_cube(tmp_path / "in.npy")
    assert first.axes == "HWC" and first.array.shape == (9, 7, 5) and first.format == "npy-cube"
    assert first.array[3, 2, 1] == 321  # row 3, column 2, band 1
    write_npy_cube(first, tmp_path / "out.npy")
    second = read_npy_cube(tmp_path / "out.npy")
    assert second.axes == first.axes
    np.testing.assert_array_equal(second.array, cube)
    assert second.array.dtype == np.dtype(dtype).newbyteorder("=")


def test_the_cube_is_memory_mapped_copy_on_write(tmp_path):
    np.save(tmp_path / "in.npy", _cube())
    array = read_npy_cube(tmp_path / "in.npy").array
    assert isinstance(array, np.memmap) or isinstance(array.base, np.memmap)
    array[0, 0, 0] = 99.0  # changes memory only
    assert read_npy_cube(tmp_path / "in.npy").array[0, 0, 0] == 0.0


@pytest.mark.parametrize("content, message", [
    (b"not numpy at all", "bad magic bytes"),
    (None, "expected a 3-D cube"),
    (np.ones((4, 4, 1), np.float32), "at least 2 bands"),
    (np.array([[[None, 1]]], dtype=object), "cannot read the .npy array"),
])
def test_bad_files_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.npy"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        np.save(path, np.ones((4, 4), np.float32) if content is None else content, allow_pickle=True)
    with pytest.raises(InputError, match=message):
        read_npy_cube(path)


def test_a_sample_without_a_band_axis_is_refused():
    with pytest.raises(InputError, match="needs a cube with axes H, W and C"):
        as_cube(Sample(_cube(), "DHW", "npy"), "hsi/hyres")


def test_an_npy_cube_runs_as_its_envi_twin_and_previews_in_false_colour(tmp_path, denoisekit_host):
    """hsi/hyres reads a .npy input with the npy-cube format: the same result as the same cube from ENVI, and the
    report's first panel is an RGB image of the cube's rows x columns."""
    cube = _cube() / 1000.0 + 0.01 * np.random.default_rng(0).standard_normal((9, 7, 5))
    cube = cube.astype(np.float32)
    np.save(tmp_path / "cube.npy", cube)
    write_envi(Sample(cube, "HWC", "envi", {"dtype": "<f4"}), tmp_path / "cube.hdr")
    from_npy = run_pipeline(denoisekit_host, "hsi/hyres", tmp_path / "cube.npy", tmp_path / "a", show_progress=False)
    from_envi = run_pipeline(denoisekit_host, "hsi/hyres", tmp_path / "cube.hdr", tmp_path / "b", show_progress=False)
    assert json.loads((from_npy.output_dir / "run.json").read_text())["format"] == "npy-cube"
    out = np.load(from_npy.output_file)
    assert out.shape == cube.shape
    np.testing.assert_array_equal(out, read_envi(from_envi.output_file).array)

    fmt = denoisekit_host.format("npy-cube")
    panels = fmt.preview(fmt.read(tmp_path / "cube.npy"))
    assert isinstance(panels[0], ImagePanel) and panels[0].image.shape == (9, 7, 3)
    np.testing.assert_array_equal(panels[0].image[..., 0], np.abs(cube[..., 3]))  # red: the band at 3/4 of 5
