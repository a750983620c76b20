"""Bias-free denoisers: no additive constants anywhere, so the network is positively homogeneous.

Mohan, Kadkhodaie, Simoncelli, Fernandez-Granda, "Robust and Interpretable Blind Image Denoising via
Bias-Free Convolutional Neural Networks", ICLR 2020: removing every additive constant (convolution
biases, the mean subtraction and offset of batch normalisation) from a ReLU network makes it
locally linear, ``D(x) = A(x) x``, and homogeneous, ``D(a x) = a D(x)`` for ``a > 0``, which lets a
blind denoiser generalise to noise levels outside its training range. Kadkhodaie, Guth, Simoncelli,
Mallat, ICLR 2024 train their diffusion priors as such blind bias-free networks.
"""

from __future__ import annotations

import torch
from torch import nn

from denoisekit.denoisers.base import Denoiser

Tensor = torch.Tensor

_CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
# Layers that cannot be made homogeneous of degree 1: per-sample normalisations are scale
# invariant (degree 0) and these activations are not positively homogeneous.
_NOT_HOMOGENEOUS = (nn.GroupNorm, nn.LayerNorm, nn.LocalResponseNorm, nn.modules.instancenorm._InstanceNorm,
                    nn.GELU, nn.SiLU, nn.Mish, nn.ELU, nn.CELU, nn.SELU, nn.Softplus, nn.Sigmoid, nn.Tanh,
                    nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid, nn.MultiheadAttention)


class BiasFreeBatchNorm(nn.Module):
    """Batch normalisation without mean subtraction and offset (Mohan et al. 2020, Sec. 4):
    ``x / sqrt(var + eps) * gamma`` over every axis but the channel axis. In training mode the batch
    variance is used and the running variance updated; in eval mode the map is linear."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x: Tensor) -> Tensor:
        shape = (1, -1) + (1,) * (x.ndim - 2)
        if self.training:
            var = x.var(dim=[d for d in range(x.ndim) if d != 1], unbiased=False)
            with torch.no_grad():
                self.running_var.lerp_(var.detach(), self.momentum)
        else:
            var = self.running_var
        return x * (self.weight / torch.sqrt(var + self.eps)).reshape(shape)


class BiasFreeCNN(Denoiser):
    """A blind bias-free DnCNN-style denoiser (Mohan et al.'s BF-CNN): ``depth`` convolutions with
    bias-free batch norm and ReLU in between, predicting the noise: ``D(x) = x - f(x)``."""

    bias_free = True
    blind = True

    def __init__(self, channels: int, width: int = 64, depth: int = 8, spatial_dims: int = 2, kernel_size: int = 3):
        super().__init__()
        conv = _CONV[spatial_dims]
        pad = kernel_size // 2
        layers: list[nn.Module] = [conv(channels, width, kernel_size, padding=pad, bias=False), nn.ReLU()]
        for _ in range(depth - 2):
            layers += [conv(width, width, kernel_size, padding=pad, bias=False), BiasFreeBatchNorm(width), nn.ReLU()]
        layers.append(conv(width, channels, kernel_size, padding=pad, bias=False))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor, sigma: float | Tensor | None = None) -> Tensor:
        return x - self.net(x)


def make_bias_free(module: nn.Module) -> nn.Module:
    """Remove the additive constants of ``module`` in place and return it.

    Biases of convolutions and linear layers are dropped and batch norms become
    :class:`BiasFreeBatchNorm` (keeping ``weight`` and ``running_var``); a :class:`Denoiser` gets
    ``bias_free = True``. Raises ``ValueError`` (before changing anything) when a layer cannot be made
    homogeneous: group/layer/instance norm, attention, or an activation other than (leaky/P)ReLU.
    Operations called functionally inside ``forward`` are not seen: check with :func:`homogeneity_error`.
    """
    bad = [name or type(m).__name__ for name, m in module.named_modules() if isinstance(m, _NOT_HOMOGENEOUS)]
    if bad:
        raise ValueError(f"cannot make these layers bias-free (not positively homogeneous): {', '.join(bad)}")
    for m in module.modules():
        if not isinstance(m, nn.modules.batchnorm._BatchNorm) and isinstance(getattr(m, "bias", None), nn.Parameter):
            m.bias = None
    for parent in list(module.modules()):
        for name, child in parent.named_children():
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                bf = BiasFreeBatchNorm(child.num_features, child.eps, child.momentum or 0.1).train(child.training)
                ref = child.weight if child.affine else child.running_var
                if ref is not None:
                    bf = bf.to(ref.device, ref.dtype)
                if child.affine:
                    bf.weight.data.copy_(child.weight.data)
                if child.running_var is not None:
                    bf.running_var.copy_(child.running_var)
                setattr(parent, name, bf)
    if isinstance(module, Denoiser):
        module.bias_free = True
    return module


@torch.no_grad()
def homogeneity_error(denoiser: Denoiser, x: Tensor, sigma: float, a: float = 2.0) -> float:
    """``|D(a x, a sigma) - a D(x, sigma)| / |a D(x, sigma)|`` (norms over everything): 0 for a bias-free net."""
    ref = a * denoiser(x, sigma)
    return float(torch.linalg.vector_norm(denoiser(a * x, a * sigma) - ref) / torch.linalg.vector_norm(ref))
