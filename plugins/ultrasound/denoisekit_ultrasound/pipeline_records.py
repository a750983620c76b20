"""The ultrasound pipelines (gathered by plugin.py): ``ultrasound/nlm`` and ``ultrasound/svd-filter`` (the
baselines) and ``ultrasound/dehaze-diffusion``. Only ``denoisekit.api`` is imported here."""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, TrainingRecord, lazy

US_FORMATS = ("zea", "us-dicom")
US_METRICS = ("us_gcnr", "us_cnr", "us_ks_myocardium", "us_psnr_db")

NLM_OPTIONS = (
    Option(name="strength", default=0.8, minimum=0.01, maximum=10.0,
           help="h = strength * sigma, sigma estimated from the dB image (scikit-image's suggestion: 0.8)"),
    Option(name="patch_size", default=5, minimum=3, maximum=15, help="side of the compared patches, pixels"),
    Option(name="patch_distance", default=6, minimum=1, maximum=30, help="search radius, pixels"),
)

SVD_OPTIONS = (
    Option(name="rank", default=1, minimum=0, maximum=1000,
           help="leading singular components removed (0: the elbow of the log singular-value curve; 1, the "
                "static part, measured best on the sample's sequence: gCNR 0.58 -> 0.76, the elbow chose 4: 0.22)"),
)

PIPELINES = [
    PipelineRecord(name="nlm", domain="ultrasound", factory=lazy("denoisekit_ultrasound.nlm:NLMPipeline"),
                   options=NLM_OPTIONS, formats=US_FORMATS, metrics=US_METRICS,
                   summary="Non-local means on the log-compressed (dB) B-mode image (a baseline)"),
    PipelineRecord(name="svd-filter", domain="ultrasound",
                   factory=lazy("denoisekit_ultrasound.svd_filter:SVDFilterPipeline"), options=SVD_OPTIONS,
                   formats=US_FORMATS, metrics=US_METRICS,
                   sample=lazy("denoisekit_ultrasound.datasets:build_sequence_sample"),
                   summary="Spatiotemporal SVD clutter filter of a frame sequence (Demene et al. 2015; a baseline)"),
]


def _check_dehaze(config) -> None:
    from denoisekit.api import UserError

    if config["patch_rows"] % 4 or config["patch_columns"] % 4:
        raise UserError("patch_rows and patch_columns must be multiples of 4 (the score network halves twice)")


DEHAZE_OPTIONS = (
    Option(name="strength", default=0.25, minimum=0.0, maximum=10.0,
           help="gamma: the haze's weight in y = x + gamma h (higher removes more haze)"),
    Option(name="steps", default=200, minimum=2, maximum=5000, help="T: sampler steps of the full reverse diffusion"),
    Option(name="t_start", default=0.8, minimum=0.01, maximum=1.0,
           help="CCDF start as a fraction of the process (0.8: tau = 160 of T = 200)"),
    Option(name="lam", default=0.5, minimum=0.0, maximum=1.0, help="lambda: consistency step on the tissue"),
    Option(name="kappa", default=0.5, minimum=0.0, maximum=1.0, help="kappa: consistency step on the haze"),
    Option(name="patch_rows", default=128, minimum=8, maximum=4096, help="patch height (depth), pixels"),
    Option(name="patch_columns", default=64, minimum=8, maximum=4096, help="patch width, pixels"),
    Option(name="overlap", default=0.1, minimum=0.0, maximum=0.5, help="overlap of neighbouring patches"),
    Option(name="weights", default="", help="weights.pt of denoisekit train (empty: the shipped weights)"),
)

TRAIN_OPTIONS = (
    Option(name="iterations", default=1600, minimum=1, maximum=10_000_000,
           help="optimiser steps (each trains both priors on one batch)"),
    Option(name="batch", default=8, minimum=1, maximum=512, help="patches per prior per step"),
    Option(name="patch", default=64, minimum=8, maximum=1024, help="side of the random square training patches"),
    Option(name="lr", default=2e-4, minimum=1e-7, maximum=1.0, help="Adam learning rate"),
    Option(name="channels", default=16, minimum=8, maximum=256, help="features of the score U-Net's first level"),
)

PIPELINES.append(PipelineRecord(
    name="dehaze-diffusion", domain="ultrasound", factory=lazy("denoisekit_ultrasound.dehaze:DehazeDiffusion"),
    options=DEHAZE_OPTIONS, formats=US_FORMATS, metrics=US_METRICS, check=_check_dehaze,
    test_config={"steps": 10, "t_start": 0.3},
    training=TrainingRecord(fit=lazy("denoisekit_ultrasound.dehaze_training:fit"), options=TRAIN_OPTIONS,
                            test_config={"iterations": 2, "batch": 2, "patch": 16, "channels": 8}),
    summary="Two-prior diffusion dehazing: tissue and haze score models, joint posterior sampling (Stevens 2024)"))
