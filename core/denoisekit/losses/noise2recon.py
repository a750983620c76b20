"""Noise2Recon: a data term plus consistency of the reconstruction under extra noise.

A. D. Desai et al., "Noise2Recon: Enabling SNR-robust MRI reconstruction with semi-supervised and
self-supervised learning", Magn. Reson. Med. 2023. Besides its data term, the network must give the same
reconstruction from the measurements and from the measurements with extra noise:

    L = D(f; y) + lambda ||f(A^H (y + e)) - sg(f(A^H y))||^2,   e = alpha (n(y) - y),

n(y) a fresh draw of the noise model around y (for Gaussian noise e = alpha sigma w) and alpha uniform in
``scale`` per batch element. D is supervised, ||f(A^H y) - x||^2, when a clean ``target`` x is given (batch
key ``"x"``; the paper's labelled scans), else the self-supervised ``data_loss`` (default blind-spot
masking; with a Mask operator and ``replacement="zero"`` that is SSDU-style splitting, the paper's
self-supervised variant). Ours: MSE throughout, and the stop-gradient sg on the un-augmented branch.
Inference is f(A^H y).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from denoisekit.losses.base import Model, SelfSupervisedLoss, resolve_op
from denoisekit.losses.blind_spot import BlindSpot
from denoisekit.noise import NoiseModel
from denoisekit.operators import ForwardOperator


class Noise2Recon(SelfSupervisedLoss):
    """Data term plus ``weight`` times the noise-augmentation consistency term; needs a noise model (here or
    in the call)."""

    batch_keys = {"x": "target"}

    def __init__(self, data_loss: SelfSupervisedLoss | None = None, weight: float = 1.0,
                 scale: tuple[float, float] = (0.5, 1.0), noise: NoiseModel | None = None):
        super().__init__(noise)
        if not 0 <= scale[0] <= scale[1]:
            raise ValueError(f"scale is a range (low, high) with 0 <= low <= high, got {scale}")
        self.data_loss = BlindSpot() if data_loss is None else data_loss
        self.weight, self.scale = weight, scale

    def forward(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None, generator: torch.Generator | None = None,
                target: torch.Tensor | None = None) -> torch.Tensor:
        noise = self.noise_model(noise, "the extra noise is drawn from it")
        op = resolve_op(op)
        if target is None:
            data = self.data_loss(model, y, op=op, noise=noise, generator=generator)
            with torch.no_grad():
                reference = model(op.A_adjoint(y))
        else:
            reference = model(op.A_adjoint(y))
            data = F.mse_loss(reference, target)
            reference = reference.detach()
        low, high = self.scale
        alpha_shape = (y.shape[0],) + (1,) * (y.ndim - 1)
        alpha = low + (high - low) * torch.rand(alpha_shape, generator=generator, dtype=y.real.dtype, device=y.device)
        extra = alpha * (noise.sample(y, generator) - y)
        return data + self.weight * F.mse_loss(model(op.A_adjoint(y + extra)), reference)

    def denoise(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None) -> torch.Tensor:
        return self.data_loss.denoise(model, y, op=op, noise=noise)
