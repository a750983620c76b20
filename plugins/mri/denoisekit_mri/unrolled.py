"""An unrolled network for multi-coil reconstruction: MoDL (Aggarwal, Mani, Jacob, "MoDL: Model-Based Deep
Learning Architecture for Inverse Problems", IEEE TMI 38(2), 2019), the network ZS-SSL trains.

K iterations, with weights shared across them, of

    z_k = D_w(x_{k-1}),    x_k = argmin_x ||A x - y||^2 + mu ||x - z_k||^2 = (A^H A + mu I)^{-1} (A^H y + mu z_k),

the data-consistency step solved by a few conjugate-gradient iterations and differentiated through them; mu
is learnt (kept positive as exp of a parameter). x_0 is the same step with z = 0 (a Tikhonov-regularised
SENSE solution), so K = 0 is plain CG. D_w is a small residual CNN on the real and imaginary parts as two
channels (ResNet blocks as in ZS-SSL's network, Yaman et al. ICLR 2022). The data are scaled so that the
99th percentile of |A^H y| is 1 before the network sees them, and scaled back after.

The operator is any :class:`~denoisekit.api.ForwardOperator` from complex images (N, H, W) to k-space; the
net only needs A^H y and A^H A, so it also runs from b = A^H y (:meth:`Unrolled.from_adjoint`).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from denoisekit.api import ForwardOperator, conjugate_gradient


class ResBlock(nn.Module):
    """x + 0.1 * conv(relu(conv(x))): the scaled residual block of ZS-SSL's ResNet denoiser."""

    def __init__(self, features: int):
        super().__init__()
        self.conv1 = nn.Conv2d(features, features, 3, padding=1)
        self.conv2 = nn.Conv2d(features, features, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.1 * self.conv2(torch.relu(self.conv1(x)))


class ResNetDenoiser(nn.Module):
    """Complex image (N, H, W) -> complex image: input conv, ``blocks`` residual blocks, output conv, plus the
    input (a residual learnt on real/imaginary channels)."""

    def __init__(self, features: int = 32, blocks: int = 5):
        super().__init__()
        self.head = nn.Conv2d(2, features, 3, padding=1)
        self.body = nn.Sequential(*(ResBlock(features) for _ in range(blocks)))
        self.tail = nn.Conv2d(features, 2, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels = torch.view_as_real(x).permute(0, 3, 1, 2)
        h = self.head(channels)
        out = self.tail(self.body(h) + h).permute(0, 2, 3, 1).contiguous()
        return x + torch.view_as_complex(out)


def data_consistency(op: ForwardOperator, b: torch.Tensor, z: torch.Tensor, mu: torch.Tensor | float,
                     iterations: int) -> torch.Tensor:
    """x = (A^H A + mu I)^{-1} (b + mu z), b = A^H y, by ``iterations`` CG steps from zero."""
    rhs = b + mu * z
    return conjugate_gradient(lambda x: op.A_adjoint(op.A(x)) + mu * x, rhs, iterations=iterations, tol=0.0)


class Unrolled(nn.Module):
    """MoDL with ``unrolls`` shared-weight iterations; ``forward(y, op)`` -> complex image (N, H, W)."""

    def __init__(self, unrolls: int = 5, features: int = 32, blocks: int = 5, cg_iterations: int = 10,
                 mu: float = 0.05):
        super().__init__()
        if unrolls < 0 or cg_iterations < 1 or mu <= 0:
            raise ValueError("unrolls >= 0, cg_iterations >= 1 and mu > 0")
        self.unrolls, self.cg_iterations = unrolls, cg_iterations
        self.arch = {"unrolls": unrolls, "features": features, "blocks": blocks, "cg_iterations": cg_iterations}
        self.denoiser = ResNetDenoiser(features, blocks)
        self.log_mu = nn.Parameter(torch.tensor(math.log(mu)))

    @property
    def mu(self) -> torch.Tensor:
        return self.log_mu.exp()

    def forward(self, y: torch.Tensor, op: ForwardOperator) -> torch.Tensor:
        return self.from_adjoint(op.A_adjoint(y), op)

    def from_adjoint(self, b: torch.Tensor, op: ForwardOperator, start: torch.Tensor | None = None) -> torch.Tensor:
        """The reconstruction from b = A^H y (N, H, W) complex. The unrolls start from the data-consistency solve
        with a zero prior (MoDL), or from the image ``start`` when given (zs-ssl's ``start=cs``)."""
        scale = data_scale(b)
        b = b / scale
        mu = self.mu
        x = data_consistency(op, b, torch.zeros_like(b), mu, self.cg_iterations) if start is None else start / scale
        for _ in range(self.unrolls):
            x = data_consistency(op, b, self.denoiser(x), mu, self.cg_iterations)
        return x * scale

    def payload(self) -> dict[str, Any]:
        """The weights file's content: the architecture and the state dict."""
        return {"arch": dict(self.arch), "state": {k: v.detach().cpu() for k, v in self.state_dict().items()}}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Unrolled:
        net = cls(**payload["arch"])
        net.load_state_dict(payload["state"])
        return net


def data_scale(b: torch.Tensor) -> torch.Tensor:
    """Per batch element, the 99th percentile of |b| (1 where it is 0), shaped to broadcast against b."""
    flat = b.detach().abs().flatten(1)
    q = torch.quantile(flat, 0.99, dim=1) if flat.shape[1] <= 16_000_000 else flat.max(dim=1).values
    q = torch.where(q > 0, q, torch.ones_like(q))
    return q.view(-1, *([1] * (b.ndim - 1)))
