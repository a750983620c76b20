"""The records of mri/diffusion-posterior (an unconditional complex-image prior sampled with the
core's posterior samplers),
gathered by plugin.py. Only ``denoisekit.api`` is imported here.

PIPELINES: PipelineRecords; TRAINING: the TrainingRecords riding on them.
"""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, TrainingRecord, lazy, option_presets
from denoisekit_mri.reconstruction_records import ESPIRIT_OPTIONS

FORMATS = ("fastmri", "ismrmrd", "mri-nifti")  # k-space to reconstruct; NIfTI images to train on
METRICS = ("mri_psnr", "mri_ssim", "mri_nmse")

POSTERIOR_TRAINING = TrainingRecord(
    fit=lazy("denoisekit_mri.posterior_train:fit"),
    options=(
        option_presets.iterations(2000),
        option_presets.lr(1e-3, detail="Adam, cosine-annealed to 1/100 of it"),
        option_presets.batch(16, 256, of="crops per optimiser step"),
        Option(name="crop", default=64, minimum=8, maximum=1024,
               help="side of the square training crops (a multiple of 4; the net is fully convolutional)"),
        Option(name="width", default=32, minimum=4, maximum=256, help="channels of the U-Net's first level"),
        Option(name="ema", default=0.995, minimum=0.0, maximum=0.99999, help="decay of the weights' EMA (saved)"),
        Option(name="checkpoint_every", default=200, minimum=1, maximum=1_000_000,
               help="optimiser steps between checkpoints (training resumes from the newest)"),
    ),
    test_config={"iterations": 3, "batch": 2, "crop": 16, "width": 4},
)

# defaults: the best measured on the mri-sample tuning slices (benchmarks/mri_posterior_tune.py,
# docs/domains/mri-posterior.md)
POSTERIOR_OPTIONS = (
    Option(name="weights", default="",
           help="'' = the small shipped prior; else a weights.pt written by 'denoisekit train "
                "mri/diffusion-posterior', loaded with weights_only"),
    Option(name="sampler", default="dc", choices=("dc", "dps"),
           help="dc: DDIM + a proximal data-consistency step each step (DiffPIR), solved by CG on the normal "
                "equations; dps: diffusion posterior sampling (Chung et al. 2023). DDRM is not offered: it needs "
                "the operator's SVD, which multi-coil SENSE with estimated maps does not have in closed form"),
    option_presets.iterations(10, 1000, detail="diffusion steps (network evaluations)"),
    Option(name="eta", default=0.0, minimum=0.0, maximum=1.0, help="DDIM stochasticity (1: ancestral DDPM steps)"),
    Option(name="lam", default=5.0, minimum=1e-6, maximum=1e6,
           help="dc: DiffPIR's lambda, data weight rho_t = lam sigma_y^2 / sigma_t^2 (sigma_y estimated from the "
                "k-space corners)"),
    Option(name="zeta", default=1.0, minimum=0.0, maximum=100.0,
           help="dps: step size of the likelihood gradient of ||y - A x0_hat|| (the authors' normalised step)"),
    Option(name="cg_iterations", default=10, minimum=1, maximum=500,
           help="dc: conjugate-gradient steps of each data-consistency solve"),
    Option(name="t_start", default=0.1, minimum=0.01, maximum=1.0,
           help="CCDF (Chung et al. 2022): run the last t_start of the reverse process from the SENSE image "
                "diffused to that time (1: the whole process, from noise at sigma_max)"),
    Option(name="sigma_max", default=10.0, minimum=0.01, maximum=1000.0,
           help="the largest noise level of the schedule (images are scaled to a maximum of 1)"),
    *ESPIRIT_OPTIONS,
)

PIPELINES = [
    PipelineRecord(
        name="diffusion-posterior", domain="mri", factory=lazy("denoisekit_mri.posterior:DiffusionPosterior"),
        options=POSTERIOR_OPTIONS, formats=FORMATS, metrics=METRICS, same_shape=False,
        sample=lazy("denoisekit_mri.sample:build_small_sample"), training=POSTERIOR_TRAINING,
        test_config={"iterations": 2, "cg_iterations": 2},
        summary="Unconditional complex-image diffusion prior + multi-coil posterior sampling (DC/DiffPIR or DPS)"),
]
TRAINING: list[TrainingRecord] = [POSTERIOR_TRAINING]
