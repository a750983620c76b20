"""The ct plugin's denoising pipelines (gathered by plugin.py): ``ct/filter2noise``, ``ct/zs-n2n`` and
``ct/noise2score``, and ``DEMO_CONFIG``, the settings of the domain's demo (``ct/filter2noise`` on the
ct-sample). Only light modules are imported here; torch loads when a pipeline runs.
"""

from __future__ import annotations

from denoisekit.api import NOISE2SCORE_OPTIONS, ZS_N2N_OPTIONS, Option, PipelineRecord, lazy
from denoisekit_ct.denoise_slices import WINDOW_OPTIONS, check_noise2score_window, check_sure_window, check_window

CT_FORMATS = ("dicom", "dicom-series", "nifti", "npy")
CT_METRICS = ("ct_psnr", "ct_ssim", "ct_psnr_brain", "ct_noise_std")

FILTER2NOISE_OPTIONS = (
    Option(name="iterations", default=60, minimum=1, maximum=100000,
           help="fitting steps per slice (AdamW, one-cycle learning rate)"),
    Option(name="crop", default=128, minimum=16, maximum=4096,
           help="side of the random square crops each step is fitted on (the whole slice if larger)"),
    Option(name="batch", default=1, minimum=1, maximum=64, help="crops per fitting step"),
    Option(name="lr", default=5e-3, minimum=1e-6, maximum=1.0, help="peak learning rate of the one-cycle schedule"),
    Option(name="lambda", default=2.0, minimum=0.0, maximum=1e6,
           help="weight of the DoG edge term: higher keeps more edges (and more noise)"),
    Option(name="stages", default=2, choices=(1, 2), help="attention-guided bilateral filters in a row (F2N-S1/S2)"),
    Option(name="patch", default=8, choices=(4, 8, 16), help="side of the patches that get one sigma triple each"),
    Option(name="max_radius", default=6, minimum=1, maximum=8,
           help="cap on the window's taps each side of the centre (6: at most 13x13 taps; ceil(2 sigma / dilation))"),
    Option(name="dilation", default=1, minimum=1, maximum=4,
           help="pixels between the window's taps (1: the paper's dense window; 2: twice the reach, same cost)"),
    Option(name="range_patch", default=3, minimum=0, maximum=5,
           help="range distance on (2 range_patch + 1)^2 patches, as non-local means (0: the paper's pixel range)"),
    Option(name="strength", default="sure", choices=("fit", "sure"),
           help="sure: scale the fitted sigmas globally by the candidate with the least estimated error (SURE "
                "for correlated noise, within the sure_window); fit: the fitted sigmas as they are (the paper; "
                "with range_patch=0 prefer it: SURE smoothed too little with the pixel range)"),
    Option(name="patch_debias", default=0.0, minimum=0.0, maximum=1.0,
           help="strength=sure with range_patch > 0: subtract this fraction of the noise's expected part "
                "2 sigma^2 (1 - rho) from the first stage's patch distances (1: Buades et al. 2005; 0: off), "
                "sigma and rho from SURE's noise model"),
    Option(name="sure_spectrum", default="residual", choices=("residual", "flat"),
           help="strength=sure: the noise spectrum from the residual of the fitted filter with its spatial sigmas "
                "doubled (residual) or from the input's flattest 32x32 tiles (flat)"),
    Option(name="nlm_candidate", default=False,
           help="strength=sure: also rank non-local means (7/11, h = 1.8 x the std of the input's flattest 32x32 "
                "window) by the same SURE and return it when its estimated error is lower"),
    Option(name="nlm_blend", default=0.3, minimum=0.0, maximum=1.0,
           help="share of non-local means (7/11, h = 1.8 x the std of the input's flattest 32x32 window) averaged "
                "into the output: (1 - w) filter + w NLM (0: the filter alone)"),
    Option(name="sure_window_low", default=-160.0, minimum=-10000.0, maximum=10000.0,
           help="strength=sure: lowest HU of the tissue whose error is estimated (default: RED-CNN's -160)"),
    Option(name="sure_window_high", default=240.0, minimum=-10000.0, maximum=10000.0,
           help="strength=sure: highest HU of the tissue whose error is estimated (default: RED-CNN's 240)"),
    Option(name="sure_crop", default=96, minimum=0, maximum=4096,
           help="strength=sure: estimate the error on 8 random crops of this side, plus a margin (0: on the "
                "whole slice, about four times the time)"),
    Option(name="sigma_scale", default=1.0, minimum=0.01, maximum=100.0,
           help="after fitting (and the strength=sure choice): multiply sigma_x, sigma_y (>1 smoother, <1 sharper)"),
    Option(name="range_scale", default=1.0, minimum=0.01, maximum=100.0,
           help="after fitting (and the strength=sure choice): multiply sigma_r (>1 smooths across larger HU "
                "differences, <1 keeps more)"),
    *WINDOW_OPTIONS,
)

# the demo runs the defaults, the best measured setting: the patch range with the SURE-chosen strength
# (docs: ct-filter2noise, benchmark on a tuning and a held-out set)
DEMO_CONFIG: dict[str, object] = {}


_TINY_SAMPLE = lazy("denoisekit_ct.denoise_sample:build_tiny_ct_sample")  # the conformance kit's input

PIPELINES = [
    PipelineRecord(
        name="filter2noise", domain="ct", factory=lazy("denoisekit_ct.denoise_filter2noise:Filter2NoisePipeline"),
        options=FILTER2NOISE_OPTIONS, formats=CT_FORMATS,
        metrics=CT_METRICS, test_config={"iterations": 2, "crop": 32, "stages": 1}, sample=_TINY_SAMPLE,
        check=check_sure_window,
        summary="Filter2Noise: attention-guided bilateral filter fitted zero-shot per slice (Sun et al. 2025)"),
    PipelineRecord(
        name="zs-n2n", domain="ct", factory=lazy("denoisekit_ct.denoise_selfsup:zs_n2n"),
        options=(*ZS_N2N_OPTIONS, *WINDOW_OPTIONS), formats=CT_FORMATS,
        metrics=CT_METRICS, test_config={"iterations": 5}, sample=_TINY_SAMPLE, check=check_window,
        summary="Zero-Shot Noise2Noise (core) on HU-windowed CT slices, each fitted on its own"),
    PipelineRecord(
        name="noise2score", domain="ct", factory=lazy("denoisekit_ct.denoise_selfsup:noise2score"),
        options=(*NOISE2SCORE_OPTIONS, *WINDOW_OPTIONS),
        formats=CT_FORMATS, metrics=CT_METRICS, test_config={"iterations": 5, "patch": 8, "batch": 2},
        sample=_TINY_SAMPLE, check=check_noise2score_window,
        summary="Noise2Score (core) on HU-windowed CT slices, each fitted on its own, Tweedie estimate"),
]
