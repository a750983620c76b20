"""The records of mri/cddpm-dc (the conditional DDPM reconstruction with data consistency in every reverse step),
gathered by plugin.py. Only ``denoisekit.api`` is imported here.

PIPELINES: PipelineRecords; TRAINING: the TrainingRecords riding on them.
"""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, TrainingRecord, lazy, option_presets

KSPACE_FORMATS = ("fastmri", "ismrmrd")
MRI_METRICS = ("mri_psnr", "mri_ssim", "mri_nmse")

CDDPM_TRAINING = TrainingRecord(
    fit=lazy("denoisekit_mri.cddpm_train:fit"),
    options=(
        option_presets.iterations(3000),
        option_presets.lr(5e-4),
        option_presets.batch(8, 64, of="crops per optimiser step"),
        Option(name="patch", default=64, minimum=0, maximum=4096,
               help="square crop of the coil images per element (0: whole slices, batched by size)"),
        Option(name="acceleration_low", default=4.0, minimum=1.0, maximum=64.0,
               help="lowest acceleration of the simulated line masks (one drawn uniformly per element)"),
        Option(name="acceleration_high", default=10.0, minimum=1.0, maximum=64.0,
               help="highest acceleration of the simulated line masks"),
        Option(name="mask", default="mixed", choices=("mixed", "equispaced", "random", "fixed"),
               help="line mask kind per element: mixed = a coin flip between equispaced and random; fixed = one "
                    "equispaced mask at acceleration_low (the usual single-mask training)"),
        Option(name="channels", default="16,32,32", help="DiffusionModelUNet channels per level, comma-separated"),
        Option(name="res_blocks", default=1, minimum=1, maximum=8, help="residual blocks per UNet level"),
        Option(name="attention", default=False, help="self-attention at the lowest UNet level"),
        Option(name="train_steps", default=1000, minimum=10, maximum=10000,
               help="timesteps of the discrete linear-beta VP schedule (DDPM's 1e-4 .. 0.02)"),
        Option(name="ema", default=0.995, minimum=0.0, maximum=0.99999, help="EMA decay of the saved weights"),
        Option(name="checkpoint_every", default=250, minimum=1, maximum=1_000_000,
               help="optimiser steps between checkpoints (training resumes from the newest)"),
    ),
    test_config={"iterations": 2, "batch": 2, "patch": 16, "channels": "4,8", "ema": 0.5},
    check=lazy("denoisekit_mri.cddpm_train:check_training"),
)

# defaults: steps and dc_weight measured on the mri-sample tuning slices (benchmarks/mri_cddpm.py --tune)
CDDPM_OPTIONS = (
    Option(name="steps", default=10, minimum=1, maximum=1000, help="DDIM sampler reverse steps (a network call each)"),
    Option(name="dc", default="hard", choices=("hard", "soft"),
           help="data consistency on the predicted x0 in every step: hard = projection onto the measurements "
                "(CG on the normal equations), soft = argmin ||x - x0||^2 + dc_weight ||Ax - y||^2"),
    Option(name="dc_weight", default=10.0, minimum=0.0, maximum=1e6, help="lambda of the soft data consistency"),
    Option(name="clip", default=1.0, minimum=0.0, maximum=1e6,
           help="bound on |x0_hat| before each DC, in units of the zero-filled image's 99th percentile (0: off)"),
    Option(name="cg_iterations", default=5, minimum=1, maximum=200, help="CG steps of each data-consistency solve"),
    Option(name="weights", default="",
           help="'' = the small shipped weights; else a weights.pt written by 'denoisekit train mri/cddpm-dc', "
                "loaded with weights_only"),
)

PIPELINES = [
    PipelineRecord(
        name="cddpm-dc", domain="mri", factory=lazy("denoisekit_mri.cddpm_pipeline:CddpmPipeline"),
        options=CDDPM_OPTIONS, formats=KSPACE_FORMATS, metrics=MRI_METRICS, same_shape=False,
        sample=lazy("denoisekit_mri.sample:build_small_sample"), training=CDDPM_TRAINING,
        test_config={"steps": 2, "cg_iterations": 2},
        summary="Conditional DDPM on the zero-filled image, DDIM with data consistency in every step (Alsubaie 2025)"),
]
TRAINING = [CDDPM_TRAINING]
