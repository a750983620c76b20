"""The record of the ``image/ddim`` pipeline: light (no torch); the pipeline loads when it runs."""

from __future__ import annotations

from denoisekit.pipeline import Pipeline
from denoisekit.records import Option, PipelineRecord

DDIM_OPTIONS = (
    Option(name="sampler", default="heun",
           help="diffusion sampler, by its registered name (heun, euler, ddim, ddpm, pc, euler-maruyama or a "
                "plugin's); deterministic ODE samplers give a sharp sample, stochastic ones a posterior sample"),
    Option(name="steps", default=10, minimum=0,
           help="sampler steps from sigma_max = the noise level down to 0.002; 0 = one denoiser evaluation "
                "D(y, sigma), the MMSE estimate (highest PSNR)"),
    Option(name="sigma", default=0.0, minimum=0.0,
           help="noise standard deviation in the image's units; 0 = estimate it as median(|HH|) / 0.6745 "
                "over the finest diagonal Haar coefficients HH"),
    Option(name="eta", default=0.0, minimum=0.0, maximum=1.0,
           help="DDIM stochasticity, passed as eta when not 0 (ddim: 0 = deterministic, 1 = DDPM)"),
    Option(name="churn", default=0.0, minimum=0.0,
           help="Karras et al.'s S_churn, passed when not 0 (heun: noise re-injected at each step)"),
    Option(name="denoise_final", default=False,
           help="end with the Tweedie estimate E[x0 | x] at sigma_min = 0.002 (one more evaluation); off by "
                "default: the shipped prior over-smooths at such low noise (docs/domains/image-diffusion.md)"),
    Option(name="weights", default="",
           help="prior weights: '' = the shipped bias-free CNN (grayscale, trained on [0, 1] images); "
                "else a path to a BiasFreeCNN state_dict, loaded with weights_only"),
    Option(name="clip", default=True,
           help="clip the output to the integer dtype's range, or to the input's [min, max] for floats"),
)


def _ddim() -> Pipeline:
    from denoisekit.image.diffusion_denoise import DiffusionDenoise

    return DiffusionDenoise()


DDIM_PIPELINE = PipelineRecord(
    name="ddim", domain="image", factory=_ddim, options=DDIM_OPTIONS,
    summary="Diffusion-prior denoising: a bias-free CNN prior run by any sampler from x_T = y (EDM schedule)",
    formats=("npy", "png", "tiff", "nifti"), test_config={"steps": 2},
)
