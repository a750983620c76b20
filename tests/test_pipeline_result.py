"""The typed output contract: a pipeline returns a PipelineResult (or a bare Sample); extras are written as
<stem>.<name>.npy, notes go to run.json, and description / display_window are Sample fields that the
writers and the report honour. A misspelt field is an error, not a silently dropped output."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from denoisekit import manager
from denoisekit.hookspecs import hookimpl
from denoisekit.image.formats import read_nifti, write_nifti, write_png
from denoisekit.manager import PluginHost, PluginInfo
from denoisekit.pipeline import RunContext
from denoisekit.pipeline_result import PipelineResult, as_result
from denoisekit.previews.image import image_preview
from denoisekit.runner import PipelineFailed, run_pipeline
from denoisekit.sample import Sample

SAMPLE = Sample(np.zeros((4, 4), np.float32), "HW", "npy")


def _halve():
    def pipeline(sample, config, ctx):
        out = replace(sample.with_array(sample.array / 2), description="halved")
        return PipelineResult(out, extras={"removed": sample.array / 2}, notes={"factor": 0.5})
    return pipeline


def _notes_on_the_context():
    def pipeline(sample, config, ctx):
        ctx.notes["seen"] = "ctx"  # the side channel that no longer exists
        return sample
    return pipeline


def _returns_int():
    return lambda sample, config, ctx: 3


class Results:
    @hookimpl
    def register_pipelines(self):
        from denoisekit.records import PipelineRecord

        return [PipelineRecord(name=name, domain="image", summary=name, factory=factory, formats=("npy",))
                for name, factory in (("halve", _halve), ("returns-int", _returns_int),
                                      ("notes-on-the-context", _notes_on_the_context))]


@pytest.fixture
def host(monkeypatch):
    host = PluginHost()
    info = PluginInfo("results", "denoisekit-results", "1.0", "loaded")
    host.plugins[info.name] = info
    host.register_plugin(Results(), info)
    monkeypatch.setattr(manager, "_HOST", host)
    return host


def test_runner_writes_extras_and_notes(host, tmp_path):
    x = np.arange(16, dtype=np.float32).reshape(4, 4)
    np.save(tmp_path / "in.npy", x)
    result = run_pipeline(host, "image/halve", tmp_path / "in.npy", tmp_path / "out", show_progress=False)
    np.testing.assert_array_equal(np.load(result.output_file), x / 2)
    np.testing.assert_array_equal(np.load(result.output_dir / "in.removed.npy"), x / 2)
    notes = json.loads((result.output_dir / "run.json").read_text())["notes"]
    assert notes == {"factor": 0.5}


def test_notes_reach_run_json_only_through_the_result(host, tmp_path):
    """The run context has no notes to write into: a pipeline that tries fails the run (nothing written)."""
    np.save(tmp_path / "in.npy", np.ones((4, 4), np.float32))
    assert not hasattr(RunContext(device=torch.device("cpu"), seed=0), "notes")
    with pytest.raises(PipelineFailed, match="has no attribute 'notes'"):
        run_pipeline(host, "image/notes-on-the-context", tmp_path / "in.npy", tmp_path / "out", show_progress=False)
    assert not (tmp_path / "out").exists()


def test_a_result_of_another_type_fails_naming_the_contract(host, tmp_path):
    np.save(tmp_path / "in.npy", np.ones((4, 4), np.float32))
    with pytest.raises(PipelineFailed, match="returned int, expected a PipelineResult or a Sample"):
        run_pipeline(host, "image/returns-int", tmp_path / "in.npy", tmp_path / "out", show_progress=False)
    assert not (tmp_path / "out").exists()


def test_misspelt_fields_are_errors():
    with pytest.raises(TypeError, match="extra"):
        PipelineResult(SAMPLE, extra={"sigma_maps": np.zeros(3)})  # the typo is the point
    with pytest.raises(TypeError, match="display_windw"):
        replace(SAMPLE, display_windw=(0, 1))
    with pytest.raises(ValueError, match="extra output name"):
        PipelineResult(SAMPLE, extras={"../sigma": np.zeros(3)})
    with pytest.raises(ValueError, match="display_window"):
        replace(SAMPLE, display_window=(1.0, 1.0))


def test_a_bare_sample_is_a_result_without_extras():
    result = as_result(SAMPLE)
    assert result.sample is SAMPLE and dict(result.extras) == {} and dict(result.notes) == {}
    with pytest.raises(TypeError):
        as_result({"array": SAMPLE.array})


def test_writers_keep_the_description(tmp_path):
    from PIL import Image

    png = Sample(np.arange(16, dtype=np.uint8).reshape(4, 4), "HW", "png", {"dtype": "|u1"}, description="denoised")
    write_png(png, tmp_path / "out.png")
    with Image.open(tmp_path / "out.png") as img:
        assert img.text["Description"] == "denoised"
    nifti = Sample(np.ones((4, 4, 2), np.float32), "HWD", "nifti", {"dtype": "<f4", "affine": np.eye(4)},
                   description="x" * 100)
    write_nifti(nifti, tmp_path / "out.nii")
    assert read_nifti(tmp_path / "out.nii").meta["header"]["descrip"].item() == b"x" * 80


def test_the_image_preview_uses_the_display_window():
    panel, = image_preview(replace(SAMPLE, display_window=(-160, 240)))
    assert panel.window == (-160.0, 240.0)
    assert image_preview(SAMPLE)[0].window is None
