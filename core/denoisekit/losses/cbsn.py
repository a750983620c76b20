"""C-BSN: a blind-spot loss on randomly sub-sampled images plus the downsampled invariance loss.

Y. I. Jang, K. Lee, G. Y. Park, S. Kim and N. I. Cho, "Self-supervised Image Denoising with Downsampled
Invariance Loss and Conditional Blind-Spot Network", ICCV 2023. A random subsampler RS_s keeps one random
pixel of every s x s cell: neighbouring kept pixels are about s apart, which decorrelates spatially
correlated noise enough for a blind-spot network f_M (the network with its blind switch on). The
downsampled invariance loss then teaches the same network with the switch off, f, on the full-resolution
image, to agree after sub-sampling with the blind output on the sub-sampled image:

    L = ||f_M(RS_s(y)) - RS_s(y)||^2 + lambda ||RS_t(f(y)) - sg(f_M(RS_t(y)))||^2,

RS_t drawing the same pixels in both places (stated in the paper's Fig. 2) and sg a stop-gradient.
Inference is f(y): non-blind, full resolution, no downsampling. What is ours, not verified against the
paper: MSE for both terms (the paper's norms and weights were not checked), all s^2 disjoint RS_s draws of
a cell permutation used as one batch, and the default s = t = 2, lambda = 1. ``model`` must accept
``blind=`` (e.g. :class:`~denoisekit.losses.blind_spot_net.BlindSpotNet`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from denoisekit.losses.base import Model, SelfSupervisedLoss, require_denoising
from denoisekit.losses.subsample import gather_cells, random_permutations
from denoisekit.noise import NoiseModel
from denoisekit.operators import ForwardOperator


class CBSN(SelfSupervisedLoss):
    """C-BSN's training loss for 2-D images: ``stride`` s of the blind-spot term, ``invariance_stride`` t and
    ``weight`` lambda of the downsampled invariance term."""

    def __init__(self, stride: int = 2, invariance_stride: int = 2, weight: float = 1.0):
        super().__init__()
        if stride < 1 or invariance_stride < 1:
            raise ValueError("strides must be at least 1")
        self.stride, self.invariance_stride, self.weight = stride, invariance_stride, weight

    def forward(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        require_denoising(op, "C-BSN")
        index = random_permutations(y, self.stride, generator)
        sub = gather_cells(y, self.stride, index)
        blind = model(sub, blind=True)
        loss = F.mse_loss(blind, sub)
        t = self.invariance_stride
        if t == self.stride:
            target = blind.detach()
        else:
            index = random_permutations(y, t, generator)
            with torch.no_grad():
                target = model(gather_cells(y, t, index), blind=True)
        return loss + self.weight * F.mse_loss(gather_cells(model(y), t, index), target)

    def denoise(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None) -> torch.Tensor:
        require_denoising(op, "C-BSN")
        return model(y)
