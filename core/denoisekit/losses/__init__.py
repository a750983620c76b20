"""Self-supervised losses with one signature, ``loss(model, y, *, op, noise, generator)`` (docs/self-supervised.md)."""

from denoisekit.losses.base import SelfSupervisedLoss, make_loss_fn
from denoisekit.losses.blind_spot import BlindSpot
from denoisekit.losses.blind_spot_net import BlindSpotNet
from denoisekit.losses.cbsn import CBSN
from denoisekit.losses.neighbor2neighbor import Neighbor2Neighbor
from denoisekit.losses.noise2noise import ZSN2N, Noise2Noise, pair_downsample, zs_n2n_loss
from denoisekit.losses.noise2recon import Noise2Recon
from denoisekit.losses.noise2score import Noise2Score
from denoisekit.losses.sdap import SDAP
from denoisekit.losses.sure import SURE

__all__ = [
    "CBSN",
    "SDAP",
    "SURE",
    "ZSN2N",
    "BlindSpot",
    "BlindSpotNet",
    "Neighbor2Neighbor",
    "Noise2Noise",
    "Noise2Recon",
    "Noise2Score",
    "SelfSupervisedLoss",
    "make_loss_fn",
    "pair_downsample",
    "zs_n2n_loss",
]
