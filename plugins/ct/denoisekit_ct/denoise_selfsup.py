"""``ct/zs-n2n`` and ``ct/noise2score``: the core's image pipelines wrapped for CT (the baselines of F2N).

The core implementations run unchanged (:class:`denoisekit.image.zs_n2n.ZeroShotN2N`, Mansour & Heckel 2023;
:class:`denoisekit.image.selfsup_pipeline.Noise2ScorePipeline`, Kim & Ye 2021) with their own options;
this module adds the CT handling of :mod:`.denoise_slices`: HU -> [0, 1] by the window, one slice at a time
(each slice fitted zero-shot, on its own), back to HU, and the DICOM series description.
Noise2Score's ``sigma`` / ``gain`` options are in the window-scaled units ([0, 1] over the window).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from denoisekit.api import Pipeline, PipelineResult, RunContext, Sample, as_result
from denoisekit_ct.denoise_slices import denoise_slices, to_hu, to_unit, window, with_description


class WindowedImagePipeline:
    """Run the image-domain ``inner`` pipeline (options ``option_names``) on each window-scaled slice."""

    def __init__(self, name: str, inner: Pipeline, option_names: tuple[str, ...]):
        self.name, self.inner, self.option_names = name, inner, option_names

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        low, high = window(config)
        inner_config = {k: config[k] for k in self.option_names}
        notes: list[dict[str, Any]] = []

        def one_slice(hu: np.ndarray, slice_ctx: RunContext) -> np.ndarray:
            scaled = Sample(to_unit(hu, low, high), "HW", "npy", data_range=1.0, path=sample.path)
            out = as_result(self.inner(scaled, inner_config, slice_ctx))
            if out.notes:
                notes.append(dict(out.notes))
            return to_hu(out.sample.array, low, high)

        result = denoise_slices(sample, self.name, 2, ctx, one_slice)
        per_slice: dict[str, Any] = {}
        if notes:
            per_slice = {"per_slice": notes if len(notes) > 1 else notes[0],
                         "per_slice_units": "window-scaled: [0, 1] over [window_low, window_high] HU"}
        return PipelineResult(with_description(result.sample, f"{self.name} (denoisekit)"),
                              notes={**result.notes, **per_slice})


def zs_n2n() -> WindowedImagePipeline:
    from denoisekit.api import ZS_N2N_OPTIONS, ZeroShotN2N

    return WindowedImagePipeline("zs-n2n", ZeroShotN2N(), tuple(o.name for o in ZS_N2N_OPTIONS))


def noise2score() -> WindowedImagePipeline:
    from denoisekit.api import NOISE2SCORE_OPTIONS, Noise2ScorePipeline

    return WindowedImagePipeline("noise2score", Noise2ScorePipeline(), tuple(o.name for o in NOISE2SCORE_OPTIONS))
