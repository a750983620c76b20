"""ISMRMRD input: a small raw-data file built acquisition by acquisition with the ismrmrd package (from
simulated k-space, with a noise scan and a reversed readout among the lines) is read back into the k-space that
went in, through the ismrmrd format and through a .h5 file of the fastmri format; a pipeline runs on it; bad
files (no dataset, a header that disagrees with the data, a non-Cartesian trajectory, the package missing) give
one line naming the file, and exit 2 through the CLI."""

from __future__ import annotations

import sys

import h5py
import numpy as np
import pytest
from denoisekit_mri.formats import read_fastmri
from denoisekit_mri.ismrmrd_format import make_ismrmrd_header, read_ismrmrd
from denoisekit_mri.masks import equispaced_lines
from denoisekit_mri.simulate import acquire, coil_maps, smooth_phase

from denoisekit.api import InputError
from denoisekit.testing import cli

ismrmrd = pytest.importorskip("ismrmrd")

SLICES, COILS, H, W = 2, 4, 32, 24


@pytest.fixture(scope="module")
def kspace() -> tuple[np.ndarray, np.ndarray]:
    """Undersampled (slices, coils, H, W) k-space of two simulated slices and its column mask."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:H, :W]
    image = ((yy - 16) ** 2 / 120 + (xx - 12) ** 2 / 60 < 1).astype(np.complex64)
    full = np.stack([acquire(image * smooth_phase((H, W), rng), coil_maps((H, W), COILS), 0.01, rng)
                     for _ in range(SLICES)])
    mask, _ = equispaced_lines(W, 2, 0.25, rng)
    return (full * mask).astype(np.complex64), mask.astype(bool)


def write_raw(path, kspace: np.ndarray, mask: np.ndarray, *, header: str | None = None, matrix: tuple | None = None,
              extra: list | None = None) -> None:
    """An ISMRMRD file of ``kspace`` written line by line with the ismrmrd package: a noise acquisition first,
    then each sampled line of each slice (the odd ones stored reversed and flagged so), then ``extra``."""
    n, c, h, w = kspace.shape
    with ismrmrd.Dataset(str(path), "dataset", mode="w") as dataset:
        dataset.write_xml_header(header or make_ismrmrd_header(ismrmrd, matrix or (h, w), (h, w), n, c))
        noise = ismrmrd.Acquisition.from_array(np.ones((c, h), dtype=np.complex64))
        noise.set_flag(ismrmrd.ACQ_IS_NOISE_MEASUREMENT)
        dataset.append_acquisition(noise)
        for s in range(n):
            for ky in np.flatnonzero(mask):
                line = np.ascontiguousarray(kspace[s, :, :, ky])
                acq = ismrmrd.Acquisition.from_array(line[:, ::-1].copy() if ky % 2 else line)
                if ky % 2:
                    acq.set_flag(ismrmrd.ACQ_IS_REVERSE)
                acq.idx.slice, acq.idx.kspace_encode_step_1 = s, int(ky)
                dataset.append_acquisition(acq)
        for acq in extra or []:
            dataset.append_acquisition(acq)


def test_read_gives_back_the_kspace(kspace, tmp_path):
    data, mask = kspace
    write_raw(tmp_path / "scan.mrd", data, mask)
    sample = read_ismrmrd(tmp_path / "scan.mrd")
    assert sample.axes == "DKHW" and sample.meta["content"] == "kspace"
    np.testing.assert_array_equal(sample.array, data)
    np.testing.assert_array_equal(sample.meta["mask"], mask)
    assert sample.meta["encoded"] == (H, W)


def test_repeated_lines_are_averaged(kspace, tmp_path):
    data, mask = kspace
    ky = int(np.flatnonzero(mask)[0])
    again = ismrmrd.Acquisition.from_array(np.ascontiguousarray(3 * data[0, :, :, ky]))
    again.idx.slice, again.idx.kspace_encode_step_1 = 0, ky
    write_raw(tmp_path / "avg.mrd", data, mask, extra=[again])
    back = read_ismrmrd(tmp_path / "avg.mrd").array
    np.testing.assert_allclose(back[0, :, :, ky], 2 * data[0, :, :, ky], rtol=1e-6)


def test_h5_file_reads_through_the_fastmri_format_and_runs(kspace, tmp_path, capsys):
    data, mask = kspace
    write_raw(tmp_path / "scan.h5", data, mask)
    np.testing.assert_array_equal(read_fastmri(tmp_path / "scan.h5").array, data)
    code = cli(["run", "mri/zero-filled", "-i", str(tmp_path / "scan.h5"), "-o", str(tmp_path / "out"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    with h5py.File(tmp_path / "out" / "scan.h5", "r") as h5:
        assert h5["reconstruction"].shape == (SLICES, H, W)


def test_mrd_file_runs_through_a_baseline(kspace, tmp_path, capsys):
    """Every k-space pipeline takes the ismrmrd format; the reconstruction is written as fastMRI's dataset."""
    data, mask = kspace
    write_raw(tmp_path / "scan.mrd", data, mask)
    code = cli(["run", "mri/zero-filled", "-i", str(tmp_path / "scan.mrd"), "-o", str(tmp_path / "out"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    with h5py.File(tmp_path / "out" / "scan.mrd", "r") as h5:
        reconstruction = h5["reconstruction"][()]
    rss = np.sqrt((np.abs(np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(data, axes=(-2, -1)), norm="ortho"),
                                          axes=(-2, -1))) ** 2).sum(1))
    assert reconstruction.shape == (SLICES, H, W)
    np.testing.assert_allclose(reconstruction, rss, rtol=1e-4, atol=1e-5 * rss.max())


def _bad_files(tmp_path, data: np.ndarray, mask: np.ndarray) -> dict[str, tuple]:
    """case -> (path, words the message must hold)."""
    with h5py.File(tmp_path / "nodataset.mrd", "w") as h5:
        h5.create_group("other")
    write_raw(tmp_path / "readout.mrd", data, mask, matrix=(H + 8, W))
    write_raw(tmp_path / "lines.mrd", data, mask, matrix=(H, W - 8))
    radial = make_ismrmrd_header(ismrmrd, (H, W), (H, W), SLICES, COILS).replace(
        "<trajectory>cartesian</trajectory>", "<trajectory>radial</trajectory>")
    write_raw(tmp_path / "radial.mrd", data, mask, header=radial)
    coils = make_ismrmrd_header(ismrmrd, (H, W), (H, W), SLICES, COILS + 4)
    write_raw(tmp_path / "coils.mrd", data, mask, header=coils)
    return {"no dataset": (tmp_path / "nodataset.mrd", "dataset"),
            "readout length": (tmp_path / "readout.mrd", "readout"),
            "line outside the matrix": (tmp_path / "lines.mrd", "outside"),
            "non-Cartesian": (tmp_path / "radial.mrd", "non-Cartesian"),
            "coil count": (tmp_path / "coils.mrd", "receiver channels")}


def test_bad_files_give_one_line_naming_the_file(kspace, tmp_path, capsys):
    data, mask = kspace
    for case, (path, words) in _bad_files(tmp_path, data, mask).items():
        with pytest.raises(InputError) as error:
            read_ismrmrd(path)
        message = str(error.value)
        assert path.name in message and words in message and "\n" not in message, (case, message)
        out = tmp_path / f"out-{path.stem}"
        assert cli(["run", "mri/diffusion-posterior", "-i", str(path), "-o", str(out), "--quiet"]) == 2, case
        err = capsys.readouterr().err
        assert path.name in err and words in err, (case, err)  # the reader's message, not an unsupported suffix
        assert not out.exists()


def test_missing_package_is_one_line(kspace, tmp_path, monkeypatch):
    data, mask = kspace
    write_raw(tmp_path / "scan.mrd", data, mask)
    monkeypatch.setitem(sys.modules, "ismrmrd", None)  # import ismrmrd now raises ImportError
    with pytest.raises(InputError, match=r"scan\.mrd.*ismrmrd' package"):
        read_ismrmrd(tmp_path / "scan.mrd")
