"""The Noise2Recon objective (Desai et al., "Noise2Recon: Enabling SNR-robust MRI reconstruction with
semi-supervised and self-supervised learning", MRM 2023):

    L = L_sup(f(y_l), x_l) + lambda L_cons(f(y_u + M sigma eps), sg[f(y_u)]),

for labelled scans (y_l, x_l) and unlabelled undersampled scans y_u: the extra noise M sigma eps (complex
Gaussian, std sigma per sample) goes on the acquired samples M only, sigma is drawn uniformly from a range on
every call (per scan, relative to the scan's image maximum, estimated as max |A^H y|), and the pseudo-target
f(y_u) carries no gradient. Both terms are complex l1 on the images, the paper's choice (its code's
``l1`` consistency; lambda = 0.1 there). A batch is either labelled or unlabelled (the paper alternates them
1:1); the supervised-only baseline is the same loss on labelled batches alone.

The core's :class:`denoisekit.api.Noise2Recon` does not fit this network: it calls ``model(A^H y)`` with MSE on
real tensors and adds the consistency term to labelled batches too.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.unrolled import Unrolled


def complex_l1(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """mean |a - b| over complex entries."""
    return (a - b).abs().mean()


def added_noise(y: torch.Tensor, op: MultiCoilCartesian, mask: torch.Tensor, sigma: tuple[float, float],
                generator: torch.Generator | None) -> torch.Tensor:
    """M sigma eps for k-space ``y`` (B, C, H, W) acquired on ``mask``: sigma ~ U(sigma) times each scan's
    max |A^H y|, eps complex standard Gaussian (variance 1/2 on each part), zero where nothing was acquired."""
    low, high = sigma
    b = y.shape[0]
    scale = op.A_adjoint(y).abs().flatten(1).amax(dim=1)
    level = low + (high - low) * torch.rand(b, generator=generator, device=y.device, dtype=scale.dtype)
    eps = torch.randn(y.shape, generator=generator, device=y.device, dtype=y.dtype)
    return (mask > 0) * (level * scale).view(b, 1, 1, 1) * eps


class Noise2ReconLoss:
    """``loss(net, batch, generator)`` for the Trainer. ``batch``: ``kspace`` (B, C, H, W) undersampled,
    ``maps`` (B, C, H, W), ``mask`` (B, 1, H, W), and ``target`` (B, H, W) complex on labelled batches."""

    def __init__(self, weight: float = 0.1, sigma: tuple[float, float] = (0.0, 0.05)):
        if weight < 0 or not 0 <= sigma[0] <= sigma[1]:
            raise ValueError(f"weight >= 0 and 0 <= sigma low <= high, got {weight}, {sigma}")
        self.weight, self.sigma = weight, sigma

    def supervised(self, net: Unrolled, batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
        op = MultiCoilCartesian(batch["maps"], batch["mask"])
        return complex_l1(net(batch["kspace"], op), batch["target"])

    def consistency(self, net: Unrolled, batch: Mapping[str, torch.Tensor],
                    generator: torch.Generator | None) -> torch.Tensor:
        y = batch["kspace"]
        op = MultiCoilCartesian(batch["maps"], batch["mask"])
        with torch.no_grad():
            pseudo = net(y, op)
        return complex_l1(net(y + added_noise(y, op, batch["mask"], self.sigma, generator), op), pseudo)

    def __call__(self, net: Unrolled, batch: Mapping[str, torch.Tensor],
                 generator: torch.Generator | None = None) -> torch.Tensor:
        if "target" in batch:
            return self.supervised(net, batch)
        return self.weight * self.consistency(net, batch, generator)
