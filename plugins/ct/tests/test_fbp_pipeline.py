"""The ct/fbp pipeline object: sinograms (.npy) to images, geometry options, one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from denoisekit_ct.fbp_pipeline import FBPPipeline
from denoisekit_ct.geometry import fan_beam, parallel_beam
from denoisekit_ct.projector import CTProjector
from denoisekit_ct.reconstruction_records import PIPELINES

from denoisekit.api import InputError, RunContext, Sample, UserError
from denoisekit.testing import resolve_options

RECORD = next(r for r in PIPELINES if r.name == "fbp")


def _run(sinogram: np.ndarray, axes: str = "HW", **overrides):
    config = resolve_options(RECORD, overrides=overrides)
    ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
    sample = Sample(sinogram.astype(np.float32), axes, "npy", {"dtype": "<f4"}, None, None)
    result = FBPPipeline()(sample, config, ctx)
    return result.sample, result.notes


def _disc(n: int) -> np.ndarray:
    c = np.arange(n) - (n - 1) / 2
    return (c[None] ** 2 + c[:, None] ** 2 < (n / 3) ** 2).astype(np.float32)


def test_parallel_sinogram_to_image():
    """64^2 disc of value 1, 90 views, 91 one-pixel bins: the default output (64^2) reads 1 inside."""
    g = parallel_beam((64, 64), 90, detectors=91)
    sino = CTProjector(g).A(torch.from_numpy(_disc(64))).numpy()
    out, notes = _run(sino)
    assert out.array.shape == (64, 64) and out.axes == "HW" and out.array.dtype == np.float32
    inner = _disc(64).astype(bool) & (np.roll(_disc(64), 4, 0) > 0) & (np.roll(_disc(64), -4, 0) > 0)
    assert float(np.mean(out.array[inner])) == pytest.approx(1.0, abs=0.02)
    assert "parallel" in notes["geometry"]


def test_stack_of_fan_beam_sinograms_with_a_set_size():
    g = fan_beam((48, 48), 120, source_distance=100.0, detector_distance=200.0, detector="equiangular")
    sino = CTProjector(g).A(torch.from_numpy(np.stack([_disc(48), 2 * _disc(48)]))).numpy()
    out, _ = _run(sino, "DHW", geometry="fan-equiangular", size=48, source_distance=100.0, detector_distance=200.0,
                  detector_spacing=g.detector_spacing, filter="hann")
    assert out.array.shape == (2, 48, 48) and out.axes == "DHW"
    ratio = out.array[1][_disc(48) > 0].mean() / out.array[0][_disc(48) > 0].mean()
    assert ratio == pytest.approx(2.0, rel=1e-4)
    assert float(out.array[0][24, 24]) == pytest.approx(1.0, abs=0.05)


def test_wrong_geometry_is_a_one_line_input_error():
    sino = np.zeros((90, 91), np.float32)
    with pytest.raises(InputError, match="90 views x 91 detector bins, but the options say detectors=95"):
        _run(sino, detectors=95)
    with pytest.raises(InputError, match="views=100"):
        _run(sino, views=100)
    bad = sino.copy()
    bad[0, 0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        _run(bad)
    with pytest.raises(UserError, match="at least 180 deg plus the fan angle"):
        _run(sino, geometry="fan-flat", angle_range_deg=180.0)
    with pytest.raises(UserError, match="source distance"):
        _run(sino, geometry="fan-flat", source_distance=10.0, size=64)


def test_record_reconstructs_to_another_shape():
    assert RECORD.same_shape is False and RECORD.formats == ("npy",)


def test_fbp_sample_reconstructs_with_the_default_options(tmp_path):
    """The pipeline's own sample (64^2 Shepp-Logan, 90 views, 91 bins): default options give a 64^2 image;
    PSNR against the phantom (data range 1) measured 28.0 dB (ramp), bound 26 dB."""
    from denoisekit_ct.fbp_pipeline import build_fbp_sample

    from denoisekit.api import psnr

    inputs = build_fbp_sample(tmp_path)
    out, _ = _run(np.load(inputs.input))
    phantom = np.load(inputs.reference)
    assert out.array.shape == phantom.shape
    assert psnr(out.array, phantom, 1.0) > 26


def test_runner_writes_the_reconstruction_and_its_metrics(tmp_path):
    """Through the run contract: a 90 x 91 sinogram in, a 64 x 64 image out, metrics against the phantom."""
    import json

    from denoisekit_ct.fbp_pipeline import build_fbp_sample

    from denoisekit.testing import PluginHost, run_pipeline

    inputs = build_fbp_sample(tmp_path / "sample")
    result = run_pipeline(PluginHost(), "ct/fbp", inputs.input, tmp_path / "out", reference=inputs.reference,
                          device="cpu", show_progress=False)
    assert np.load(result.output_file).shape == (64, 64)
    metrics = json.loads((result.output_dir / "metrics.json").read_text())
    assert metrics["output"]["psnr"] > 26
    assert (result.output_dir / "report.png").is_file()
