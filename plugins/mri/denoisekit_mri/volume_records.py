"""The records of mri/disgan (3-D super-resolution and denoising of NIfTI volumes),
gathered by plugin.py. Only ``denoisekit.api`` is imported here.

PIPELINES: PipelineRecords; TRAINING: the TrainingRecords riding on them.
"""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, TrainingRecord, lazy, option_presets

VOLUME_FORMATS = ("mri-nifti", "mri-dicom-series")
MRI_METRICS = ("mri_psnr", "mri_ssim", "mri_nmse")

DEGRADATION_OPTIONS = (
    Option(name="scale", default=2, minimum=1, maximum=4,
           help="upsampling factor (k-space zero-padding, then the generator); 1 keeps the grid (denoising only)"),
    Option(name="axes", default="all", choices=("all", "slice"),
           help="'all': isotropic; 'slice': the NIfTI third axis only"),
)

DISGAN_TRAINING = TrainingRecord(
    fit=lazy("denoisekit_mri.disgan_train:fit"),
    options=(
        option_presets.iterations(1000),
        option_presets.lr(5e-4),
        option_presets.batch(2, 16, of="patches per optimiser step"),
        Option(name="patch", default=24, minimum=8, maximum=256,
               help="edge of the cubic training patches (a multiple of 4)"),
        Option(name="adversarial", default=1e-3, minimum=0.0, maximum=1.0,
               help="weight of the wavelet discriminator's GAN loss beside L1 (0: L1 only)"),
        Option(name="features", default=16, minimum=2, maximum=128, help="channels of the generator"),
        Option(name="growth", default=8, minimum=2, maximum=64, help="growth channels of its dense blocks"),
        Option(name="blocks", default=1, minimum=1, maximum=23, help="RRDBs of the generator"),
        Option(name="disc_features", default=8, minimum=2, maximum=64,
               help="channels of the discriminator's first level"),
        Option(name="checkpoint_every", default=100, minimum=1, maximum=1_000_000,
               help="optimiser steps between checkpoints (training resumes from the newest)"),
        *DEGRADATION_OPTIONS,
    ),
    test_config={"iterations": 2, "batch": 1, "patch": 8, "features": 4, "growth": 2, "disc_features": 2},
    check=lazy("denoisekit_mri.disgan_train:check_training"),
)

PIPELINES: list[PipelineRecord] = [
    PipelineRecord(
        name="disgan", domain="mri", factory=lazy("denoisekit_mri.disgan_pipeline:DisganPipeline"),
        options=(Option(name="weights", default="",
                        help="'' = the small shipped weights; else a weights.pt written by 'denoisekit train "
                             "mri/disgan', loaded with weights_only"),
                 *DEGRADATION_OPTIONS,
                 Option(name="tile", default=64, minimum=8, maximum=1024,
                        help="largest block (voxels per axis) run through the generator at once")),
        formats=VOLUME_FORMATS, metrics=MRI_METRICS, same_shape=False, test_config={"tile": 8},
        sample=lazy("denoisekit_mri.volume_sample:build_disgan_sample"), training=DISGAN_TRAINING,
        summary="3-D RRDB super-resolution of NIfTI volumes, trained against a wavelet-domain U-Net critic "
                "(DISGAN, Wang et al. 2023)"),
]
TRAINING: list[TrainingRecord] = [DISGAN_TRAINING]
