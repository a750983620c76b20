"""The run contract for a reconstruction (``same_shape=False``): the output may have another shape
than the input, metrics compare the output with the reference only, and the report has no
input-minus-output panel."""

import json

import numpy as np
import pytest

from denoisekit import manager
from denoisekit.errors import InputError
from denoisekit.hookspecs import hookimpl
from denoisekit.manager import PluginHost, PluginInfo
from denoisekit.runner import run_pipeline


def _upsample():
    def pipeline(sample, config, ctx):
        from dataclasses import replace

        return replace(sample, array=np.kron(sample.array, np.ones((2, 2), sample.array.dtype)))

    return pipeline


class Reconstruction:
    @hookimpl
    def register_pipelines(self):
        from denoisekit.records import PipelineRecord

        return [PipelineRecord(name="upsample", domain="image", summary="2x nearest upsampling",
                               factory=_upsample, formats=("npy",), same_shape=False)]


@pytest.fixture
def host(monkeypatch):
    host = PluginHost()
    info = PluginInfo("recon", "denoisekit-recon", "1.0", "loaded")
    host.plugins[info.name] = info
    host.register_plugin(Reconstruction(), info)
    monkeypatch.setattr(manager, "_HOST", host)
    return host


def test_output_of_another_shape_is_scored_against_the_reference(host, tmp_path):
    low = np.arange(64, dtype=np.float32).reshape(8, 8)
    np.save(tmp_path / "low.npy", low)
    np.save(tmp_path / "ref.npy", np.kron(low, np.ones((2, 2), np.float32)) + 0.5)
    result = run_pipeline(host, "image/upsample", tmp_path / "low.npy", tmp_path / "out",
                          reference=tmp_path / "ref.npy", show_progress=False)
    assert np.load(result.output_file).shape == (16, 16)
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert set(metrics) == {"pipeline", "output"}  # the 8x8 input is not comparable with the reference
    assert metrics["output"]["nmse"] == pytest.approx(
        float(np.sum(0.5 ** 2 * np.ones(256)) / np.sum(np.load(tmp_path / "ref.npy") ** 2)), rel=1e-5)
    assert (tmp_path / "out" / "report.png").stat().st_size > 0


def test_reference_must_match_the_output(host, tmp_path):
    np.save(tmp_path / "low.npy", np.zeros((4, 4), np.float32))
    np.save(tmp_path / "ref.npy", np.zeros((4, 4), np.float32))
    with pytest.raises(InputError, match="differs from the output's"):
        run_pipeline(host, "image/upsample", tmp_path / "low.npy", tmp_path / "out",
                     reference=tmp_path / "ref.npy", show_progress=False)
    assert not (tmp_path / "out").exists()
