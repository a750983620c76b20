"""Diffusion samplers with one call signature: ``sampler.sample(model, schedule, x_T_or_shape, ...)``.

Unconditional: DDPM, DDIM, Euler/Heun (EDM), predictor-corrector, Euler-Maruyama. Conditional on a measurement
``y = A x + n`` (``y=``, ``op=``): DPS, RED-diff, DDRM, data consistency (DDNM / DiffPIR), CCDF and the joint
two-prior sampler for ``y = x + h``.
"""

from denoisekit.samplers.base import Sampler
from denoisekit.samplers.ccdf import CCDF
from denoisekit.samplers.conditional import ConditionalSampler
from denoisekit.samplers.data_consistency import DataConsistency
from denoisekit.samplers.ddim import DDIM
from denoisekit.samplers.ddpm import DDPM
from denoisekit.samplers.ddrm import DDRM
from denoisekit.samplers.dps import DPS
from denoisekit.samplers.euler_edm import EulerEDM
from denoisekit.samplers.euler_maruyama import EulerMaruyama
from denoisekit.samplers.heun_edm import HeunEDM
from denoisekit.samplers.joint import JointPosteriorSampler
from denoisekit.samplers.predictor_corrector import PredictorCorrector
from denoisekit.samplers.red_diff import REDDiff

__all__ = [
    "CCDF",
    "DDIM",
    "DDPM",
    "DDRM",
    "DPS",
    "ConditionalSampler",
    "DataConsistency",
    "EulerEDM",
    "EulerMaruyama",
    "HeunEDM",
    "JointPosteriorSampler",
    "PredictorCorrector",
    "REDDiff",
    "Sampler",
]
