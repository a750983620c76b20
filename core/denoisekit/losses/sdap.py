"""SDAP: random sub-samples generation (RSG) with a cyclic sample-difference loss.

Y. Pan, X. Liu, X. Liao, Y. Cao and C. Ren, "Random Sub-Samples Generation for Self-Supervised Real Image
Denoising", ICCV 2023 (SDAP: "Sampling Difference As Perturbation"). Pixel-shuffle downsampling with stride
s splits y into s^2 sub-images; RSG instead orders the s^2 pixels of every s x s cell at random, and
sub-sample S_k takes the k-th pixel of that order in every cell. Two sub-samples then show the same scene
at a random sub-cell displacement, their difference acting as a perturbation; the network maps each
sub-sample to the next one, cyclically:

    L = 1/s^2 sum_k ||f(S_k) - S_{(k + 1) mod s^2}||^2.

Inference is f(y) at full resolution by default (``inference_stride=1``), which measured best for
pixel-independent noise (the tests: +5.6 dB against +3.6 dB); ``inference_stride=t >= 2`` gives PD
inference instead, f on the t^2 fixed sub-images shuffled back (AP-BSN's choice for correlated noise, not
measured here). Our formulation, not verified against the paper's equations: the MSE, the cyclic pairing
k -> k + 1, the inference, and any network f (the paper trains a blind-spot network; a plain one works for
pixel-independent noise, as in the tests).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from denoisekit.losses.base import Model, SelfSupervisedLoss, require_denoising
from denoisekit.losses.subsample import gather_cells, pd_apply, random_permutations
from denoisekit.noise import NoiseModel
from denoisekit.operators import ForwardOperator


def random_subsamples(y: torch.Tensor, s: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """RSG: the s^2 random sub-samples of ``y`` (B, C, H, W) as (B, s^2, C, H // s, W // s)."""
    index = random_permutations(y, s, generator)
    subs = gather_cells(y, s, index)
    return subs.reshape(y.shape[0], s * s, *subs.shape[1:])


class SDAP(SelfSupervisedLoss):
    """Cyclic sample-difference loss on RSG sub-samples of 2-D images with stride ``stride`` (>= 2);
    ``inference_stride`` 1 (full resolution) or t >= 2 (PD inference)."""

    def __init__(self, stride: int = 2, inference_stride: int = 1):
        super().__init__()
        if stride < 2 or inference_stride < 1:
            raise ValueError(f"need stride >= 2 and inference_stride >= 1, got {stride}, {inference_stride}")
        self.stride, self.inference_stride = stride, inference_stride

    def forward(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        require_denoising(op, "SDAP")
        subs = random_subsamples(y, self.stride, generator)
        inputs = subs.flatten(0, 1)
        targets = subs.roll(-1, dims=1).flatten(0, 1)
        return F.mse_loss(model(inputs), targets)

    def denoise(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None) -> torch.Tensor:
        require_denoising(op, "SDAP")
        return model(y) if self.inference_stride == 1 else pd_apply(model, y, self.inference_stride)
