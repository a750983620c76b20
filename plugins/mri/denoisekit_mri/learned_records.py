"""The learned pipelines of the mri plugin (gathered by plugin.py): ``mri/zs-ssl`` (an unrolled network fitted
zero-shot to each slice) and ``mri/noise2recon`` (the unrolled network trained semi-supervised; its training
rides on the record). Only ``denoisekit.api`` is imported here; torch loads when a pipeline runs.

PIPELINES: PipelineRecords; TRAINING: the TrainingRecords of those pipelines, kept here so that both can be
listed and tested together.
"""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, TrainingRecord, lazy, option_presets
from denoisekit_mri.reconstruction_records import ESPIRIT_OPTIONS

KSPACE_FORMATS = ("fastmri", "ismrmrd")
MRI_METRICS = ("mri_psnr", "mri_ssim", "mri_nmse")
_SMALL_SAMPLE = lazy("denoisekit_mri.sample:build_small_sample")  # 3 slices, 4 coils, 64 x 64, 4x

NETWORK_OPTIONS = (
    Option(name="unrolls", default=5, minimum=0, maximum=50, help="unrolled iterations (denoiser + data consistency)"),
    Option(name="features", default=16, minimum=2, maximum=256, help="channels of the ResNet denoiser"),
    Option(name="blocks", default=3, minimum=1, maximum=32, help="residual blocks of the ResNet denoiser"),
    Option(name="cg_iterations", default=5, minimum=1, maximum=100,
           help="conjugate-gradient steps of each data-consistency solve"),
)

# defaults: the best measured on the mri-sample tuning slices (benchmarks/mri_zs_tune.py, 4x and 8x on both slices,
# docs/domains/mri-learned.md), within about 2-3 minutes per 256 x 256 8-coil slice on one CPU thread
ZS_SSL_OPTIONS = (
    option_presets.iterations(150, detail="at most; early stopping usually ends the fit before"),
    Option(name="masks", default=10, minimum=1, maximum=1000,
           help="(Theta, Lambda) splits of the training samples; one epoch fits each once"),
    Option(name="patience", default=6, minimum=1, maximum=10000,
           help="stop after this many epochs without a lower validation loss; the best epoch's weights are kept"),
    Option(name="rho", default=0.4, minimum=0.05, maximum=0.95,
           help="fraction of the training samples held out as the loss set Lambda of each split"),
    Option(name="validation", default=0.2, minimum=0.01, maximum=0.5,
           help="fraction of the acquired samples outside the calibration region kept for validation (Gamma)"),
    option_presets.lr(3e-3),
    *ESPIRIT_OPTIONS,
    Option(name="start", default="cg", choices=("cg", "cs"),
           help="the unrolls' first image: 'cg' = MoDL's CG-SENSE start, random weights; 'cs' = mri/cs-wavelet's "
                "reconstruction of the fed samples with the denoiser starting at identity (an adaptation, "
                "measured worse on the tuning slices)"),
    Option(name="mu", default=0.05, minimum=1e-4, maximum=100.0,
           help="initial weight of the data-consistency step's proximity term (learnt), in units of the "
                "image's 99th-percentile magnitude"),
    *NETWORK_OPTIONS,
)

NOISE2RECON_TRAINING = TrainingRecord(
    fit=lazy("denoisekit_mri.noise2recon_train:fit"),
    options=(
        option_presets.iterations(2000),
        option_presets.lr(1e-3),
        option_presets.batch(1, 16, of="slices per optimiser step (same size and coil count)"),
        Option(name="weight", default=0.1, minimum=0.0, maximum=100.0,
               help="lambda of the consistency term on unlabelled scans (0: supervised training only)"),
        Option(name="sigma_low", default=0.0, minimum=0.0, maximum=1.0,
               help="lowest extra k-space noise std of the consistency term, as a fraction of the image maximum"),
        Option(name="sigma_high", default=0.05, minimum=0.0, maximum=1.0,
               help="highest extra k-space noise std (drawn uniformly per scan and step)"),
        Option(name="accelerations", default="4,8",
               help="accelerations of the line masks simulated on labelled scans, one drawn per slice and step"),
        Option(name="checkpoint_every", default=200, minimum=1, maximum=1_000_000,
               help="optimiser steps between checkpoints (training resumes from the newest)"),
        *NETWORK_OPTIONS,
    ),
    test_config={"iterations": 2, "unrolls": 1, "features": 4, "blocks": 1, "cg_iterations": 2},
    check=lazy("denoisekit_mri.noise2recon_train:check_training"),
)

PIPELINES = [
    PipelineRecord(
        name="zs-ssl", domain="mri", factory=lazy("denoisekit_mri.zs_ssl_pipeline:ZsSslPipeline"),
        options=ZS_SSL_OPTIONS, formats=KSPACE_FORMATS, metrics=MRI_METRICS, same_shape=False,
        test_config={"iterations": 2, "masks": 2, "unrolls": 1, "features": 4, "blocks": 1, "cg_iterations": 2},
        sample=_SMALL_SAMPLE,
        summary="Zero-shot self-supervised MoDL fitted to each slice, automated early stopping (Yaman et al. 2022)"),
    PipelineRecord(
        name="noise2recon", domain="mri", factory=lazy("denoisekit_mri.noise2recon_pipeline:Noise2ReconPipeline"),
        options=(Option(name="weights", default="",
                        help="'' = the small shipped weights; else a weights.pt written by 'denoisekit train "
                             "mri/noise2recon', loaded with weights_only"),),
        formats=KSPACE_FORMATS, metrics=MRI_METRICS, same_shape=False, sample=_SMALL_SAMPLE,
        training=NOISE2RECON_TRAINING,
        summary="Unrolled MoDL trained supervised + noise-consistency on unlabelled scans (Noise2Recon, Desai 2023)"),
]
TRAINING = [NOISE2RECON_TRAINING]
