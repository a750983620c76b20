"""``speech/wiener``: the Wiener baseline of :mod:`denoisekit_speech.wiener` as a pipeline, at the file's rate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from denoisekit.api import Pipeline, PipelineResult, RunContext, Sample, as_audio
from denoisekit_speech.audio_format import full_scale
from denoisekit_speech.input_checks import check_speech
from denoisekit_speech.wiener import frame_length, wiener_enhance


def run_wiener(sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
    """Enhance every channel of ``sample`` (up to two) with the decision-directed Wiener filter."""
    view = as_audio(sample, "speech/wiener")
    scale = full_scale(sample.array.dtype)
    values = view.array.reshape(-1, view.array.shape[-1]) / scale  # (channels, samples), full-scale units
    check_speech(sample, values, max_channels=2)
    with ctx.stage("wiener"):
        out = wiener_enhance(values, sample.rate, frame_ms=config["frame_ms"], alpha=config["alpha"],
                             gain_floor_db=config["gain_floor_db"])
    restored = view.restore(out.reshape(view.array.shape) * scale, sample, keep_dtype=True)
    notes = {"rate": sample.rate, "channels": int(values.shape[0]),
             "frame": frame_length(sample.rate, config["frame_ms"])}
    return PipelineResult(restored, notes=notes)


def wiener_pipeline() -> Pipeline:
    """The pipeline callable (the record's factory)."""
    return run_wiener
