"""The plugin API: the one module of the core that a plugin imports (docs/writing-plugins.md).

Everything a domain plugin may use is re-exported here by name; the rest of ``denoisekit`` is
internal and may change between releases. ``tests/host/test_plugin_boundary.py`` fails when a
plugin under ``plugins/`` imports anything else of the core (its tests may also import
:mod:`denoisekit.testing`, the conformance kit).

Names are resolved on first use (PEP 562), so ``from denoisekit.api import Sample`` in a records
module costs nothing heavy: torch and the networks load only when a pipeline runs.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> module that defines it ("module:attribute" where the core's name differs); grouped as
# docs/writing-plugins.md lists them
_EXPORTS: dict[str, str] = {
    # hooks and records
    "hookimpl": "denoisekit.hookspecs",
    "lazy": "denoisekit.core_plugin",
    **{name: "denoisekit.records" for name in (
        "Option", "PipelineRecord", "TrainingRecord", "FormatRecord", "MetricRecord", "DomainRecord",
        "DemoInputs", "CommandRecord", "DatasetRecord", "SamplerRecord", "ScheduleRecord", "OperatorRecord",
        "NoiseModelRecord", "DenoiserRecord", "LossRecord")},
    # the data model and the run context
    "Sample": "denoisekit.sample",
    "Pipeline": "denoisekit.pipeline",
    "RunContext": "denoisekit.pipeline",
    "PipelineResult": "denoisekit.pipeline_result",
    "as_result": "denoisekit.pipeline_result",
    "FitResult": "denoisekit.fit_result",
    # report.png previews (docs/writing-plugins.md, "Previews")
    "ImagePanel": "denoisekit.previews.panels",
    "LinePanel": "denoisekit.previews.panels",
    "image_preview": "denoisekit.previews.image",
    "complex_preview": "denoisekit.previews.complex_image",
    "cube_preview": "denoisekit.previews.cube",
    "audio_preview": "denoisekit.previews.audio",
    "sequence_preview": "denoisekit.previews.sequence",
    "preview_for": "denoisekit.previews.by_axes",
    # errors and checks of user input
    "UserError": "denoisekit.errors",
    "InputError": "denoisekit.errors",
    "PluginError": "denoisekit.errors",
    "check_file": "denoisekit.errors",
    "reason": "denoisekit.errors",
    # layouts and the per-slice loop
    **{name: "denoisekit.layouts" for name in (
        "View", "to_view", "as_stack", "as_cube", "as_coils", "as_audio", "as_frames", "INTERLEAVE_AXES",
        "for_each_slice", "slice_context")},
    # noise level (MAD of the finest wavelet band)
    "estimate_sigma": "denoisekit.noise_level",
    "mad_std": "denoisekit.noise_level",
    # metrics
    "psnr": "denoisekit.metrics",
    "ssim": "denoisekit.metrics",
    "nmse": "denoisekit.metrics",
    "resolve_data_range": "denoisekit.metrics",
    # writing a format: cast to the file's dtype (integers rounded and clipped)
    "to_dtype": "denoisekit.image.formats",
    # building blocks
    "Denoiser": "denoisekit.denoisers.base",
    "ForwardOperator": "denoisekit.operators",
    "Identity": "denoisekit.operators",
    "NoiseModel": "denoisekit.noise.base",
    "Gaussian": "denoisekit.noise",
    "DiscreteVP": "denoisekit.schedules",
    "NoiseSchedule": "denoisekit.schedules",
    "Truncated": "denoisekit.schedules",
    "DDRM": "denoisekit.samplers",
    # schedules and samplers by class, for code outside a run (training, benchmarks); inside a run prefer
    # ctx.schedule(name) / ctx.sampler(name)
    **{name: "denoisekit.schedules" for name in ("OUVE", "SBVE", "VESigmaT", "VE", "VP", "EDM")},
    **{name: "denoisekit.samplers" for name in (
        "DDIM", "DDPM", "PredictorCorrector", "EulerMaruyama", "JointPosteriorSampler", "DataConsistency", "CCDF",
        "DPS")},
    # linear algebra on operators: masks, conjugate gradient (x^H y summed over all axes)
    "Mask": "denoisekit.operators",
    "conjugate_gradient": "denoisekit.operators",
    "inner": "denoisekit.operators",
    # orthonormal Daubechies wavelets in torch (periodic extension; inverse = adjoint)
    "wavedec2": "denoisekit.wavelets",
    "waverec2": "denoisekit.wavelets",
    "daubechies_lowpass": "denoisekit.wavelets",
    "max_wavelet_levels": "denoisekit.wavelets:max_levels",
    # training: EMA weights, losses by one signature, the device-side loader
    "EMA": "denoisekit.training.ema",
    "make_loss_fn": "denoisekit.losses",
    "Noise2Recon": "denoisekit.losses",
    "DeviceLoader": "denoisekit.data",
    "ArrayDataset": "denoisekit.data",
    "Trainer": "denoisekit.training",
    "TrainingData": "denoisekit.training_data",
    "pair_downsample": "denoisekit.losses.noise2noise",
    "load_weights": "denoisekit.checkpoint",
    # datasets
    "random_crops": "denoisekit.data.augment",
    "write_manifest": "denoisekit.catalogue",
    "manifest_matches": "denoisekit.catalogue",
    "MANIFEST": "denoisekit.catalogue",
    "dataset_progress": "denoisekit.catalogue:progress",
    # options: presets with one name and wording (iterations, lr, batch, patch, clip) and the shared
    # self-supervised denoisers' options
    "option_presets": "denoisekit.option_presets",
    "ZS_N2N_OPTIONS": "denoisekit.selfsup_options",
    "NOISE2SCORE_OPTIONS": "denoisekit.selfsup_options",
    "check_noise2score": "denoisekit.selfsup_options",
    # shared self-supervised denoisers (Mansour & Heckel 2023; Kim & Ye 2021) that a domain may wrap
    "ZeroShotN2N": "denoisekit.image.zs_n2n",
    "Noise2ScorePipeline": "denoisekit.image.selfsup_pipeline",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"denoisekit.api has no {name!r}; a plugin may use only: {', '.join(__all__)}")
    module, _, attribute = module.partition(":")
    imported = importlib.import_module(module)
    # a module exported whole under its own name (``option_presets``), else one of its attributes
    value = imported if module.endswith(f".{name}") and not attribute else getattr(imported, attribute or name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
