"""Unconditional diffusion samplers with one call signature: ``sampler.sample(model, schedule, x_T_or_shape, ...)``."""

from denoisekit.samplers.base import Sampler
from denoisekit.samplers.ddim import DDIM
from denoisekit.samplers.ddpm import DDPM
from denoisekit.samplers.euler_edm import EulerEDM
from denoisekit.samplers.euler_maruyama import EulerMaruyama
from denoisekit.samplers.heun_edm import HeunEDM
from denoisekit.samplers.predictor_corrector import PredictorCorrector

__all__ = ["DDIM", "DDPM", "EulerEDM", "EulerMaruyama", "HeunEDM", "PredictorCorrector", "Sampler"]
