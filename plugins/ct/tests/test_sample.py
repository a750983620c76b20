"""The CT sample (693_UNCR.dcm and simulated low doses) and the ct-sample dataset."""

from __future__ import annotations

import json

import numpy as np
import pytest
from denoisekit_ct.ct_metrics import ct_noise_std, ct_psnr
from denoisekit_ct.dicom_format import read_dicom, read_dicom_series
from denoisekit_ct.sample import I0S, CTSampleSet, _is_built, build_ct_sample, dose_file, source_slice


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ct-sample")
    return folder, build_ct_sample(folder)


def test_files_and_demo_inputs(built):
    folder, inputs = built
    assert inputs.input == folder / dose_file(2.5e4) and inputs.reference == folder / "reference.dcm"
    reference = read_dicom(inputs.reference)
    _, source = source_slice()
    np.testing.assert_array_equal(reference.array, source)
    assert reference.array.min() >= -1024 and reference.array[0, 0] == -1000  # outside the field of view: air
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["parameters"]["views"] == 720 and manifest["parameters"]["filter"] == "hann"


def test_noise_grows_as_the_dose_falls(built):
    """Measured noise std in the most uniform 32x32 brain window: 15.5 / 28.8 / 49.5 HU at I0 = 1e5 / 2.5e4 / 1e4
    (1 / sqrt(I0) predicts ratios 2 and 1.58; one realisation of correlated noise in 1024 pixels)."""
    folder, inputs = built
    reference = read_dicom(inputs.reference).array
    stds = [ct_noise_std(read_dicom(folder / dose_file(i0)).array, reference) for i0 in I0S]
    psnrs = [ct_psnr(read_dicom(folder / dose_file(i0)).array, reference) for i0 in I0S]
    assert 10 < stds[0] < stds[1] < stds[2] < 70
    assert 1.6 < stds[1] / stds[0] < 2.4 and 1.3 < stds[2] / stds[1] < 1.9
    assert psnrs[0] > psnrs[1] > psnrs[2] > 20


def test_build_is_idempotent_and_notices_damage(built):
    folder, inputs = built
    stamp = inputs.input.stat().st_mtime_ns
    assert build_ct_sample(folder) == inputs and inputs.input.stat().st_mtime_ns == stamp
    assert _is_built(folder)
    (folder / "reference.dcm").rename(folder / "moved.dcm")
    try:
        assert not _is_built(folder)
    finally:
        (folder / "moved.dcm").rename(folder / "reference.dcm")


def test_series_folders(built):
    folder, _ = built
    ref, low = read_dicom_series(folder / "series_reference"), read_dicom_series(folder / "series_lowdose")
    assert ref.array.shape == low.array.shape == (3, 96, 96)
    assert len({ds.SeriesInstanceUID for ds in ref.meta["datasets"]}) == 1
    assert 20 < ct_psnr(low.array, ref.array, None, "DHW") < 40


def test_dataset_items(built):
    folder, _ = built
    data = CTSampleSet(folder)
    assert len(data) == 3
    item = data[1]
    assert item["x"].shape == item["y"].shape == (1, 512, 512) and float(item["i0"]) == 2.5e4
