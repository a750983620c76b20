"""The CT denoising pipelines through the CLI: DICOM slice, DICOM series (slice by slice, each slice
fitted on its own), NIfTI volume and npy; HU handling of the wrapped core methods; bad options."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pydicom
import pytest
import torch
from denoisekit_ct.denoise_sample import head_phantom
from denoisekit_ct.dicom_format import new_ct_dataset, write_dicom, write_dicom_series

from denoisekit.api import RunContext, Sample, ZeroShotN2N
from denoisekit.testing import cli

torch.set_num_threads(1)

F2N_FAST = ["--set", "iterations=30", "--set", "crop=32", "--set", "batch=2", "--quiet"]
# On the 48 x 48 phantom (piecewise constant, low-pass binomial-correlated noise, unlike FBP's) the default patch
# range's fit collapses to near the identity (23.5 -> 24.2 dB); strength=sure's collapse guard then fits the paper's
# filter too and SURE picks it (docs/domains/ct-filter2noise.md, "Where the patch range fails").


def write_slice(path: Path, hu: np.ndarray) -> Path:
    ds = new_ct_dataset(hu.shape)
    ds.SeriesDescription = "low dose"
    write_dicom(Sample(hu, "HW", "dicom", {"dataset": ds}), path)
    return path


def run(args: list[str], capsys) -> tuple[int, str]:
    code = cli(args)
    return code, capsys.readouterr().err


def test_filter2noise_on_a_dicom_slice(tmp_path, capsys):
    clean, noisy = head_phantom(seed=0)
    src, ref, out = write_slice(tmp_path / "ld.dcm", noisy), write_slice(tmp_path / "ref.dcm", clean), tmp_path / "o"
    code, err = run(["run", "ct/filter2noise", "-i", str(src), "-r", str(ref), "-o", str(out), *F2N_FAST], capsys)
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["output"]) == {"ct_psnr", "ct_ssim", "ct_psnr_brain", "ct_noise_std"}
    # measured with the defaults: ct_psnr 23.5 -> 32.4 dB (the paper's filter, chosen by the collapse guard)
    assert metrics["output"]["ct_psnr"] > metrics["input"]["ct_psnr"] + 6.0
    written = pydicom.dcmread(out / "ld.dcm")
    original = pydicom.dcmread(src)
    assert "filter2noise" in written.SeriesDescription and written.SeriesDescription.startswith("low dose")
    assert written.SeriesInstanceUID != original.SeriesInstanceUID
    notes = json.loads((out / "run.json").read_text())["notes"]
    assert notes["slices"] == 1 and set(notes["sigma_maps"]) == {"stage1", "stage2"}
    assert notes["sure_collapse_guard"] == [{"slice": 0, "paper_filter_chosen": True}]
    sr = notes["sigma_maps"]["stage1"]["sigma_r_hu"]
    assert 0 < sr["min"] <= sr["mean"] <= sr["max"]
    maps = np.load(out / "ld.sigma_maps.npy")  # (slices, stages, sigma_x / sigma_y / sigma_r, patches, patches)
    assert maps.shape[:3] == (1, 2, 3) and np.all(maps > 0)
    assert maps[0, 0, 2].mean() == pytest.approx(sr["mean"], rel=1e-4)


def test_series_is_denoised_slice_by_slice_each_fitted_alone(tmp_path, capsys):
    slices = [head_phantom(seed=seed)[1] for seed in (1, 2, 3)]
    datasets = [new_ct_dataset(slices[0].shape, position=2.0 * i, slice_thickness=2.0) for i in range(3)]
    series = tmp_path / "series"
    write_dicom_series(Sample(np.stack(slices), "DHW", "dicom-series", {"datasets": datasets}), series)
    code, err = run(["run", "ct/filter2noise", "-i", str(series), "-o", str(tmp_path / "o"), *F2N_FAST], capsys)
    assert code == 0, err
    outputs = sorted((tmp_path / "o" / "series").iterdir())
    assert len(outputs) == 3
    assert json.loads((tmp_path / "o" / "run.json").read_text())["notes"]["slices"] == 3
    # the middle slice on its own with seed 0 + 1 (slice i draws from seed + i) gives the same result: slices do
    # not share a fit
    single = write_slice(tmp_path / "one.dcm", slices[1])
    code, err = run(["run", "ct/filter2noise", "-i", str(single), "-o", str(tmp_path / "o1"), "--seed", "1",
                     *F2N_FAST], capsys)
    assert code == 0, err
    alone = pydicom.dcmread(tmp_path / "o1" / "one.dcm").pixel_array
    in_series = [pydicom.dcmread(p) for p in outputs]
    middle = sorted(in_series, key=lambda d: float(d.ImagePositionPatient[2]))[1]
    np.testing.assert_array_equal(middle.pixel_array, alone)


def test_nifti_volume_keeps_shape_and_axes(tmp_path, capsys):
    import nibabel as nib

    volume = np.stack([head_phantom(32, seed=seed)[1] for seed in (4, 5)], axis=-1)  # H, W, D
    nib.save(nib.Nifti1Image(volume, np.eye(4)), tmp_path / "v.nii.gz")
    code, err = run(["run", "ct/filter2noise", "-i", str(tmp_path / "v.nii.gz"), "-o", str(tmp_path / "o"),
                     "--set", "stages=1", *F2N_FAST], capsys)
    assert code == 0, err
    out = np.asarray(nib.load(tmp_path / "o" / "v.nii.gz").dataobj)
    assert out.shape == volume.shape and np.isfinite(out).all()
    assert np.abs(out - volume).mean() > 1.0  # something was removed


def test_zs_n2n_wraps_the_core_method_on_windowed_slices(tmp_path, capsys):
    _, noisy = head_phantom(32, seed=6)
    np.save(tmp_path / "x.npy", noisy)
    code, err = run(["run", "ct/zs-n2n", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "o"), "--quiet",
                     "--set", "iterations=5", "--set", "window_low=-1000", "--set", "window_high=1000"], capsys)
    assert code == 0, err
    got = np.load(tmp_path / "o" / "x.npy")
    config = {"iterations": 5, "lr": 1e-3, "lr_step": 1500, "channels": 48, "clip": True}
    scaled = Sample(((noisy + 1000) / 2000).astype(np.float32), "HW", "npy", data_range=1.0)
    core = ZeroShotN2N()(scaled, config, RunContext(device=torch.device("cpu"), seed=0, show_progress=False))
    np.testing.assert_allclose(got, core.array * 2000 - 1000, rtol=0, atol=1e-3)


def test_noise2score_runs_on_a_dicom_slice(tmp_path, capsys):
    clean, noisy = head_phantom(32, seed=7)
    src, ref = write_slice(tmp_path / "ld.dcm", noisy), write_slice(tmp_path / "ref.dcm", clean)
    code, err = run(["run", "ct/noise2score", "-i", str(src), "-r", str(ref), "-o", str(tmp_path / "o"), "--quiet",
                     "--set", "iterations=20", "--set", "patch=16", "--set", "batch=4"], capsys)
    assert code == 0, err
    assert "noise2score" in pydicom.dcmread(tmp_path / "o" / "ld.dcm").SeriesDescription
    notes = json.loads((tmp_path / "o" / "run.json").read_text())["notes"]
    assert notes["per_slice"]["sigma"] > 0  # the noise estimate, in window units


@pytest.mark.parametrize("pipeline", ["ct/filter2noise", "ct/zs-n2n"])
def test_inverted_window_is_a_one_line_error(tmp_path, capsys, pipeline):
    np.save(tmp_path / "x.npy", head_phantom(32, seed=8)[1])
    code, err = run(["run", pipeline, "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "o"), "--quiet",
                     "--set", "window_low=100", "--set", "window_high=-100"], capsys)
    assert code == 2 and "window_high" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_too_small_slice_is_refused(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros((8, 8), np.float32))
    code, err = run(["run", "ct/filter2noise", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "o"), "--quiet"],
                    capsys)
    assert code == 2 and "at least 16x16" in err


def test_filter2noise_window_options_reach_the_fit():
    from denoisekit_ct.denoise_filter2noise import fit_settings
    from denoisekit_ct.denoising_records import PIPELINES

    record = next(p for p in PIPELINES if p.name == "filter2noise")
    defaults = fit_settings(record.defaults(), 0.05)
    # the best measured setting by default: the patch range, a 13 x 13 window, the SURE-chosen strength
    assert (defaults.range_patch, defaults.dilation, defaults.max_radius) == (3, 1, 6)
    assert record.defaults()["strength"] == "sure"
    chosen = fit_settings({**record.defaults(), "range_patch": 3, "dilation": 2, "max_radius": 6}, 0.05)
    assert (chosen.range_patch, chosen.dilation, chosen.max_radius, chosen.initial_sigma_r) == (3, 2, 6, 0.05)
