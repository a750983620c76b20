"""The records of the sequence pipelines of the ultrasound plugin (ultrasound/clutter-filter3d and the
low-rank-plus-diffusion sequence dehazer), gathered by plugin.py. Only ``denoisekit.api`` is imported here.

PIPELINES: PipelineRecords; TRAINING: the TrainingRecords riding on them.
"""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, TrainingRecord, lazy

US_FORMATS = ("zea", "us-dicom")
US_METRICS = ("us_gcnr", "us_cnr", "us_ks_myocardium", "us_psnr_db")
SEQUENCE_SAMPLE = lazy("denoisekit_ultrasound.datasets:build_sequence_sample")

CLUTTER_OPTIONS = (
    Option(name="weights", default="", help="weights.pt of denoisekit train (empty: the shipped weights)"),
)

CLUTTER_TRAIN_OPTIONS = (
    Option(name="iterations", default=3000, minimum=1, maximum=10_000_000, help="optimiser steps"),
    Option(name="batch", default=4, minimum=1, maximum=512, help="crops per step"),
    Option(name="frames", default=7, minimum=1, maximum=256, help="frames per training crop"),
    Option(name="patch", default=48, minimum=8, maximum=1024,
           help="side of the square training crops (a multiple of 2^(levels - 1))"),
    Option(name="lr", default=1e-3, minimum=1e-7, maximum=1.0, help="Adam learning rate"),
    Option(name="filters", default=8, minimum=1, maximum=256, help="features at the first level (doubled per level)"),
    Option(name="levels", default=3, minimum=2, maximum=6, help="resolutions of the 3-D U-Net"),
    Option(name="upsample", default="resize", choices=("resize", "transpose"),
           help="decoder upsampling: nearest resize + 3x3 convolution (no checkerboard) or transposed convolution"),
    Option(name="residual", default="negative", choices=("negative", "gain", "free"),
           help="output form (haze only adds echo power): negative, input + min(residual, 0) in dB; gain, the "
                "input's envelope times a gain <= 1; free, input + any residual (the paper's)"),
    Option(name="loss", default="db", choices=("db", "envelope"),
           help="MSE on the [0, 1] dB images or on their envelopes"),
    Option(name="tail_weight", default=0.0, minimum=0.0, maximum=1000.0,
           help="weight of the L1 between the sorted top tail_fraction of each crop frame's dB values, output vs "
                "clean (a Wasserstein-1 term on the bright tail, where the image's peak is read; 0: none)"),
    Option(name="tail_fraction", default=0.01, minimum=1e-6, maximum=1.0,
           help="fraction of each crop frame's brightest values in the tail term (1: the whole histogram)"),
    Option(name="init", default="", help="weights.pt to start from (fine-tuning; same network options)"),
    Option(name="checkpoint_every", default=500, minimum=1, maximum=10_000_000, help="steps between checkpoints"),
)

TRAINING: list[TrainingRecord] = [
    TrainingRecord(fit=lazy("denoisekit_ultrasound.clutter_training:fit"), options=CLUTTER_TRAIN_OPTIONS,
                   test_config={"iterations": 2, "batch": 1, "frames": 3, "patch": 16, "filters": 2, "levels": 2}),
]



def _check_lowrank(config) -> None:
    from denoisekit.api import UserError

    if config["patch_rows"] % 4 or config["patch_columns"] % 4:
        raise UserError("patch_rows and patch_columns must be multiples of 4 (the score network halves twice)")


LOWRANK_OPTIONS = (
    Option(name="strength", default=1.0, minimum=0.0, maximum=1.0,
           help="step of the dB data term towards Y - L after each diffusion step (1: the estimate is Y - L)"),
    Option(name="threshold", default=16.0, minimum=0.0, maximum=1000.0,
           help="nuclear-norm weight: singular values of the haze below threshold * sqrt(pixels) dB are cut "
                "(16, strength 1, t_start 0.05: the least gCNR lost on the tuning sequence 5100)"),
    Option(name="steps", default=40, minimum=2, maximum=5000, help="T: sampler steps of the full reverse diffusion"),
    Option(name="t_start", default=0.05, minimum=0.01, maximum=1.0,
           help="CCDF start as a fraction of the process (0.05: 2 of T = 40 steps are run)"),
    Option(name="patch_rows", default=128, minimum=8, maximum=4096, help="patch height (depth), pixels"),
    Option(name="patch_columns", default=64, minimum=8, maximum=4096, help="patch width, pixels"),
    Option(name="overlap", default=0.1, minimum=0.0, maximum=0.5, help="overlap of neighbouring patches"),
    Option(name="weights", default="",
           help="weights.pt of denoisekit train ultrasound/dehaze-diffusion (its tissue prior; empty: shipped)"),
)

PIPELINES: list[PipelineRecord] = [
    PipelineRecord(name="clutter-filter3d", domain="ultrasound",
                   factory=lazy("denoisekit_ultrasound.clutter:ClutterFilter3D"), options=CLUTTER_OPTIONS,
                   formats=US_FORMATS, metrics=US_METRICS, sample=SEQUENCE_SAMPLE, training=TRAINING[0],
                   summary="3-D attention U-Net clutter filter of B-mode sequences (Tabassian et al. 2024)"),
    PipelineRecord(name="lowrank-dehaze", domain="ultrasound",
                   factory=lazy("denoisekit_ultrasound.lowrank:LowRankDehaze"), options=LOWRANK_OPTIONS,
                   formats=US_FORMATS, metrics=US_METRICS, sample=SEQUENCE_SAMPLE, check=_check_lowrank,
                   test_config={"steps": 4, "t_start": 0.5},
                   summary="Low-rank haze plus diffusion tissue prior, B-mode sequences (Nuclear Diffusion, adapted)"),
]
