"""zea HDF5 and ultrasound DICOM: round trips, pydicom-data's real US files, regions, and the bad inputs (one-line
errors through the CLI, exit 2, nothing written)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from denoisekit_ultrasound.dicom_format import example_us_dicom, read_us_dicom, write_us_dicom
from denoisekit_ultrasound.zea_format import example_zea, preview_zea, read_zea, write_zea

from denoisekit.api import InputError
from denoisekit.testing import cli

REAL = {"US1_UNCR.dcm": ("HW", (480, 640)), "OBXXXX1A_2frame.dcm": ("THW", (2, 600, 800)),
        "gdcm-US-ALOKA-16.dcm": ("HW", (480, 640)), "color3d_jpeg_baseline.dcm": ("THW", (120, 480, 640)),
        "OBXXXX1A_rle.dcm": ("HW", (600, 800))}


def test_zea_round_trip_keeps_data_scan_raw_and_regions(tmp_path):
    s = example_zea()
    write_zea(s, tmp_path / "a.hdf5")
    r = read_zea(tmp_path / "a.hdf5")
    assert r.axes == "THWC" and np.array_equal(r.array, s.array)
    assert np.array_equal(r.meta["raw_data"], s.meta["raw_data"])
    assert np.array_equal(r.regions["cavity"], s.regions["cavity"])
    assert float(r.meta["scan"]["center_frequency"]) == 2.72e6
    assert len(preview_zea(r)) == 3


def test_zea_regions_beside_the_file(tmp_path):
    s = example_zea()
    write_zea(type(s)(array=s.array, axes=s.axes, format="zea", meta={"scan": s.meta["scan"]}), tmp_path / "b.hdf5")
    np.savez(tmp_path / "b.regions.npz", cavity=s.regions["cavity"])
    assert np.array_equal(read_zea(tmp_path / "b.hdf5").regions["cavity"], s.regions["cavity"])


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_pydicom_data_ultrasound_files(name, tmp_path):
    from pydicom.data import get_testdata_file

    s = read_us_dicom(Path(get_testdata_file(name)))
    axes, shape = REAL[name]
    assert (s.axes, s.array.shape) == (axes, shape)
    assert s.array.std() > 1.0  # real image content, not a blank frame
    if s.array.size > 10**7:  # 120 JPEG frames: the read is the check (writing them back takes long)
        return
    write_us_dicom(s, tmp_path / "out.dcm")
    assert np.array_equal(read_us_dicom(tmp_path / "out.dcm").array, s.array)


def test_dicom_round_trip_of_the_example(tmp_path):
    s = example_us_dicom()
    write_us_dicom(s, tmp_path / "x.dcm")
    r = read_us_dicom(tmp_path / "x.dcm")
    assert r.axes == "THW" and np.array_equal(r.array, s.array)


def _zea(path: Path, data, z=None, x=None, kind=None) -> Path:
    with h5py.File(path, "w") as f:
        if data is not None:
            f.create_dataset("data/beamformed_data", data=data)
            if kind:
                f["data/beamformed_data"].attrs["kind"] = kind
        f.create_dataset("scan/z_axis", data=np.linspace(0, 1, 8 if z is None else z))
        f.create_dataset("scan/x_axis", data=np.linspace(0, 1, 6 if x is None else x))
    return path


def _run(pipeline: str, inp: Path, out: Path, capsys) -> tuple[int, str]:
    code = cli(["run", f"ultrasound/{pipeline}", "--input", str(inp), "--output", str(out)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("case,match", [
    ("no_beamformed", "no beamformed data"),
    ("iq_one_channel", "IQ data need 2 channels (I, Q), data/beamformed_data has 1"),
    ("three_channels", "1 RF | 2 IQ"),
    ("axes_disagree", "scan/z_axis has 5 values but the data have 8"),
    ("nan", "NaN"),
    ("not_us", "not an ultrasound DICOM"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(case, match, tmp_path, capsys):
    rng = np.random.default_rng(0)
    if case == "no_beamformed":
        inp = _zea(tmp_path / "a.hdf5", None)
    elif case == "iq_one_channel":
        inp = _zea(tmp_path / "a.hdf5", rng.standard_normal((1, 8, 6, 1)).astype(np.float32), kind="IQ")
    elif case == "three_channels":
        inp = _zea(tmp_path / "a.hdf5", rng.standard_normal((1, 8, 6, 3)).astype(np.float32))
    elif case == "axes_disagree":
        inp = _zea(tmp_path / "a.hdf5", rng.standard_normal((1, 8, 6, 2)).astype(np.float32), z=5)
    elif case == "nan":
        data = rng.standard_normal((1, 8, 6, 2)).astype(np.float32)
        data[0, 3, 3, 0] = np.nan
        inp = _zea(tmp_path / "a.hdf5", data)
    else:
        from pydicom.data import get_testdata_file

        inp = Path(get_testdata_file("CT_small.dcm"))
    code, err = _run("nlm", inp, tmp_path / "out", capsys)
    lines = [line for line in err.strip().splitlines() if line]
    assert code == 2 and len(lines) == 1 and match in lines[0] and inp.name in lines[0]
    assert not (tmp_path / "out").exists()


def test_one_frame_given_to_the_sequence_pipeline(tmp_path, capsys):
    inp = _zea(tmp_path / "one.hdf5", np.random.default_rng(0).standard_normal((1, 8, 6, 2)).astype(np.float32))
    code, err = _run("svd-filter", inp, tmp_path / "out", capsys)
    assert code == 2 and "at least 3 frames, got 1" in err and "one.hdf5" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_truncated_zea_file(tmp_path):
    write_zea(example_zea(), tmp_path / "a.hdf5")
    raw = (tmp_path / "a.hdf5").read_bytes()
    (tmp_path / "t.hdf5").write_bytes(raw[: len(raw) // 3])
    with pytest.raises(InputError, match="t.hdf5"):
        read_zea(tmp_path / "t.hdf5")
