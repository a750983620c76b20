"""Noise models p(y | x): sampling, Noise2Score/Tweedie estimates from a score, and likelihood gradients."""

from denoisekit.noise.base import NoiseModel, standard_normal
from denoisekit.noise.correlated import Correlated
from denoisekit.noise.gamma import Gamma
from denoisekit.noise.gaussian import Gaussian
from denoisekit.noise.non_iid import NonIID
from denoisekit.noise.poisson import Poisson
from denoisekit.noise.poisson_gaussian import PoissonGaussian
from denoisekit.noise.structured import DeadLines, Impulse, Stripes

__all__ = [
    "Correlated",
    "DeadLines",
    "Gamma",
    "Gaussian",
    "Impulse",
    "NoiseModel",
    "NonIID",
    "Poisson",
    "PoissonGaussian",
    "Stripes",
    "standard_normal",
]
