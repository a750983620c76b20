"""Noise2Noise with a pair of noisy images, and Zero-Shot Noise2Noise on one image.

J. Lehtinen et al., "Noise2Noise: Learning Image Restoration without Clean Data", ICML 2018:
with y1, y2 two independent zero-mean noisy observations of x, E||f(y1) - y2||^2 = E||f(y1) - x||^2 + const,
so regressing one noisy image onto the other trains the MMSE denoiser.

Y. Mansour and R. Heckel, "Zero-Shot Noise2Noise: Efficient Image Denoising without any Data", CVPR 2023:
the pair is made from one image by two fixed 2x2 stride-2 filters (:func:`pair_downsample`); the
network predicts the noise, and the loss is the symmetric residual loss plus a consistency loss that ties
the half-resolution estimates to the downsampled full-resolution one.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from denoisekit.losses.base import Model, SelfSupervisedLoss, require_denoising, resolve_op
from denoisekit.noise import NoiseModel
from denoisekit.operators import ForwardOperator


def pair_downsample(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The two half-resolution images D1(x), D2(x): 2x2 stride-2 filters [[0,.5],[.5,0]] and
    [[.5,0],[0,.5]] applied to each channel of ``x`` (N, C, H, W)."""
    c = x.shape[1]
    k1 = x.new_tensor([[0.0, 0.5], [0.5, 0.0]]).expand(c, 1, 2, 2)
    k2 = x.new_tensor([[0.5, 0.0], [0.0, 0.5]]).expand(c, 1, 2, 2)
    return F.conv2d(x, k1, stride=2, groups=c), F.conv2d(x, k2, stride=2, groups=c)


def zs_n2n_loss(net: Callable[[torch.Tensor], torch.Tensor], y: torch.Tensor) -> torch.Tensor:
    """The ZS-N2N training loss for a noise-predicting ``net`` (Mansour & Heckel 2023), each term an MSE mean:

        L = 1/2 (|p1 - D2 y|^2 + |p2 - D1 y|^2) + 1/2 (|p1 - D1 x_hat|^2 + |p2 - D2 x_hat|^2),

    with p_i = D_i y - net(D_i y) the half-resolution estimates and x_hat = y - net(y)."""
    d1, d2 = pair_downsample(y)
    p1, p2 = d1 - net(d1), d2 - net(d2)
    residual = 0.5 * (F.mse_loss(p1, d2) + F.mse_loss(p2, d1))
    e1, e2 = pair_downsample(y - net(y))
    consistency = 0.5 * (F.mse_loss(p1, e1) + F.mse_loss(p2, e2))
    return residual + consistency


class Noise2Noise(SelfSupervisedLoss):
    """``mean |A f(A^H y) - y2|^2`` for a second independent observation ``target`` = y2 of the same x
    (Lehtinen et al. 2018; with ``op`` the measurement-domain form for inverse problems).

    Without ``target`` (a single image) the pair is ``pair_downsample(y)``: the network is then trained at
    half resolution, the residual term of ZS-N2N without its consistency term. A batch dict gives the
    second observation as ``"y2"``.
    """

    batch_keys = {"y2": "target"}

    def forward(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None, generator: torch.Generator | None = None,
                target: torch.Tensor | None = None) -> torch.Tensor:
        op = resolve_op(op)
        if target is None:
            require_denoising(op, "Noise2Noise without a second observation")
            y, target = pair_downsample(y)
        return F.mse_loss(op.A(model(op.A_adjoint(y))), target)


class ZSN2N(SelfSupervisedLoss):
    """Zero-Shot Noise2Noise (Mansour & Heckel, CVPR 2023): :func:`zs_n2n_loss`, denoising only, 2-D.

    ``residual=True`` (the paper's choice): ``model`` predicts the noise and the estimate is ``y - model(y)``;
    ``residual=False``: ``model`` predicts the clean image.
    """

    def __init__(self, residual: bool = True):
        super().__init__()
        self.residual = residual

    def _noise_net(self, model: Model) -> Model:
        return model if self.residual else (lambda x: x - model(x))

    def forward(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        require_denoising(op, "ZS-N2N")
        return zs_n2n_loss(self._noise_net(model), y)

    def denoise(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None) -> torch.Tensor:
        require_denoising(op, "ZS-N2N")
        return y - self._noise_net(model)(y)
