"""The record of the ``image/ddim`` pipeline: light (no torch); the pipeline loads when it runs."""

from __future__ import annotations

from denoisekit import option_presets as preset
from denoisekit.core_plugin import lazy
from denoisekit.records import Option, PipelineRecord, TrainingRecord

DDIM_OPTIONS = (
    Option(name="sampler", default="heun",
           help="diffusion sampler, by its registered name (heun, euler, ddim, ddpm, pc, euler-maruyama or a "
                "plugin's); deterministic ODE samplers give a sharp sample, stochastic ones a posterior sample"),
    Option(name="steps", default=10, minimum=0, maximum=1000,
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
    preset.clip(),
)


TRAINING_OPTIONS = (
    preset.iterations(1200, 1_000_000, detail="Adam, cosine decay to lr / 100"),
    preset.batch(16, 1024),
    preset.patch(64, minimum=8),
    preset.lr(1e-3),
    Option(name="ema", default=0.995, minimum=0.0, maximum=1.0,
           help="decay of the weights' EMA, which is what is saved (it must forget the initial weights: "
                "ema^iterations << 1)"),
    Option(name="width", default=32, minimum=1, maximum=512, help="feature channels of the bias-free CNN"),
    Option(name="depth", default=8, minimum=2, maximum=64, help="convolution layers of the bias-free CNN"),
    Option(name="sigma_max", default=0.4, minimum=0.0,
           help="largest training noise std on the [0, 1] image scale (sigma ~ U[0, sigma_max] per patch)"),
    Option(name="checkpoint_every", default=200, minimum=1, maximum=1_000_000,
           help="iterations between resumable checkpoints"),
)



PRIOR_TRAINING = TrainingRecord(fit=lazy("denoisekit.image.prior_training:fit"), options=TRAINING_OPTIONS,
                                test_config={"iterations": 4, "batch": 2, "patch": 16, "width": 4, "depth": 2,
                                             "checkpoint_every": 2})



DDIM_PIPELINE = PipelineRecord(
    name="ddim", domain="image", factory=lazy("denoisekit.image.diffusion_denoise:DiffusionDenoise"),
    options=DDIM_OPTIONS,
    summary="Diffusion-prior denoising: a bias-free CNN prior run by any sampler from x_T = y (EDM schedule)",
    formats=("npy", "png", "tiff", "nifti"), test_config={"steps": 2}, training=PRIOR_TRAINING,
)
