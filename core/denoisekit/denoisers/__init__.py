"""Denoisers ``D(x, sigma) = E[x0 | x0 + sigma eps]``, score models, and the Tweedie conversions."""

from denoisekit.denoisers.base import Denoiser, ScoreModel
from denoisekit.denoisers.bias_free import BiasFreeBatchNorm, BiasFreeCNN, homogeneity_error, make_bias_free
from denoisekit.denoisers.gaussian import GaussianPriorDenoiser
from denoisekit.denoisers.monai_unet import UNetDenoiser
from denoisekit.denoisers.tweedie import (
    DenoiserScore,
    eps_to_x0,
    score_from_x0,
    v_to_x0,
    x0_from_score,
    x0_to_eps,
    x0_to_v,
)

__all__ = [
    "BiasFreeBatchNorm",
    "BiasFreeCNN",
    "Denoiser",
    "DenoiserScore",
    "GaussianPriorDenoiser",
    "ScoreModel",
    "UNetDenoiser",
    "eps_to_x0",
    "homogeneity_error",
    "make_bias_free",
    "score_from_x0",
    "v_to_x0",
    "x0_from_score",
    "x0_to_eps",
    "x0_to_v",
]
