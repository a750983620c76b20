"""The baseline reconstruction pipelines of the mri plugin (gathered by plugin.py): ``mri/zero-filled``,
``mri/sense`` and ``mri/cs-wavelet``. Light: the pipelines import torch when they run."""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, lazy, option_presets

_REC = "denoisekit_mri.reconstruction"
FORMATS = ("fastmri", "ismrmrd", "mri-nifti")
METRICS = ("mri_psnr", "mri_ssim", "mri_nmse")
SMALL_SAMPLE = lazy("denoisekit_mri.sample:build_small_sample")


ESPIRIT_OPTIONS = (
    Option(name="calibration", default=24, minimum=4, maximum=256,
           help="ESPIRiT: largest side of the fully sampled centre used for calibration"),
    Option(name="kernel", default=6, minimum=2, maximum=12, help="ESPIRiT: kernel side (clamped to the calibration)"),
    Option(name="threshold", default=0.02, minimum=0.0, maximum=1.0,
           help="ESPIRiT: keep singular vectors above this fraction of the largest singular value"),
    Option(name="crop", default=0.0, minimum=0.0, maximum=1.0,
           help="ESPIRiT: zero the maps where the largest eigenvalue is below this (0: keep them everywhere, the "
                "best SSIM measured against fastMRI-style RSS references, whose background is noise)"),
)


TIKHONOV = Option(name="tikhonov", default=0.01, minimum=0.0, maximum=10.0,
                  help="Tikhonov weight mu: mu / 2 ||x||^2 added to the data term (||A|| is about 1)")

SENSE_OPTIONS = (
    *ESPIRIT_OPTIONS,
    option_presets.iterations(10, 1000, detail="conjugate-gradient iterations"),
    TIKHONOV,
)

CS_OPTIONS = (
    *ESPIRIT_OPTIONS,
    option_presets.iterations(100, 5000, detail="FISTA iterations"),
    TIKHONOV,
    Option(name="lam", default=0.001, minimum=0.0, maximum=1.0,
           help="L1 weight, relative to the largest magnitude of the zero-filled image A^H y"),
    Option(name="levels", default=4, minimum=1, maximum=8, help="wavelet levels (capped by the image size)"),
    Option(name="moments", default=4, minimum=1, maximum=10, help="Daubechies wavelet with this many vanishing "
                                                                   "moments (2: db2)"),
)

PIPELINES = [
    PipelineRecord(name="zero-filled", domain="mri", factory=lazy(f"{_REC}:ZeroFilled"), formats=FORMATS,
                   metrics=METRICS, same_shape=False, sample=SMALL_SAMPLE,
                   summary="Root-sum-of-squares of the zero-filled coil images (the fastMRI baseline)"),
    PipelineRecord(name="sense", domain="mri", factory=lazy(f"{_REC}:Sense"), options=SENSE_OPTIONS, formats=FORMATS,
                   metrics=METRICS, same_shape=False, sample=SMALL_SAMPLE, test_config={"iterations": 5},
                   summary="ESPIRiT coil maps from the calibration region, then CG-SENSE (optional Tikhonov)"),
    PipelineRecord(name="cs-wavelet", domain="mri", factory=lazy(f"{_REC}:CSWavelet"), options=CS_OPTIONS,
                   formats=FORMATS, metrics=METRICS, same_shape=False, sample=SMALL_SAMPLE,
                   test_config={"iterations": 10},
                   summary="ESPIRiT maps, then L1-wavelet compressed sensing by FISTA (Lustig et al. 2007)"),
]
