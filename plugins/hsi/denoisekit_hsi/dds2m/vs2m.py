"""VS2M, the variational spatio-spectral module of DDS2M (Miao et al., ICCV 2023, sec. 3.2-3.3).

The clean cube is modelled as ``X = sum_r s_r (outer) c_r`` (rank R): ``s_r`` (H, W) is the output of an
untrained spatial network fed a fixed noise image, ``c_r`` (bands,) of an untrained spectral FCN fed a fixed noise
vector. At every reverse-diffusion step the networks take a few Adam steps on the variational loss against the
current ``x_t``, starting from where the previous step left them, and ``X`` is that step's x0 estimate. Seen from
the sampler this is a :class:`~denoisekit.denoisers.Denoiser` ``D(x~, sigma) -> X`` with state.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from denoisekit.api import Denoiser
from denoisekit_hsi.dds2m.grouped_skip_net import GroupedSkipNet
from denoisekit_hsi.dds2m.spectral_fcn import GroupedFCN
from denoisekit_hsi.dds2m.variational_loss import variational_loss

Tensor = torch.Tensor


class VS2M(nn.Module):
    """The rank-R factor model: ``forward() -> X`` of shape (bands, H, W) from its fixed inputs. Weights and
    inputs come from torch's global generator (see :func:`~denoisekit_hsi.dds2m.restore.seeded_vs2m`)."""

    def __init__(self, shape: Sequence[int], rank: int, *, channels: Sequence[int] = (16, 32, 64), skip: int = 4,
                 hidden: Sequence[int] = (64, 64), input_channels: int = 1):
        super().__init__()
        bands, h, w = shape
        self.spatial = GroupedSkipNet(rank, input_channels, channels, skip)
        self.spectral = GroupedFCN(rank, bands, hidden)
        # DIP's inputs: fixed uniform noise scaled by 1/10 (Ulyanov et al., CVPR 2018)
        self.register_buffer("z_spatial", 0.1 * torch.rand(1, rank * input_channels, h, w))
        self.register_buffer("z_spectral", 0.1 * torch.rand(rank, bands))

    def forward(self) -> Tensor:
        s = self.spatial(self.z_spatial)[0]  # (R, H, W)
        c = self.spectral(self.z_spectral)  # (R, bands)
        return torch.einsum("rhw,rb->bhw", s, c)


class VS2MDenoiser(Denoiser):
    """``D(x~, sigma)``: ``inner_steps`` Adam steps of :func:`variational_loss` fitting ``VS2M`` to ``x~``
    (1, bands, H, W) at noise level ``sigma``; returns the estimate of the last step's forward pass (detached).

    Determinism on CUDA also needs deterministic kernels (``torch.use_deterministic_algorithms``)."""

    def __init__(self, vs2m: VS2M, *, lr: float = 5e-4, inner_steps: int = 1, kl_weight: float = 3.0):
        super().__init__()
        self.vs2m, self.inner_steps, self.kl_weight = vs2m, inner_steps, kl_weight
        self.optimizer = torch.optim.Adam(vs2m.parameters(), lr=lr)
        self.last_loss: Tensor | None = None

    def forward(self, x: Tensor, sigma: float | Tensor) -> Tensor:
        sigma = float(sigma)
        target = x[0].detach()
        with torch.enable_grad():
            for _ in range(self.inner_steps):
                self.optimizer.zero_grad(set_to_none=True)
                x0 = self.vs2m()
                loss = variational_loss(target, x0, sigma, self.kl_weight)
                loss.backward()
                self.optimizer.step()
        self.last_loss = loss.detach()
        return x0.detach().unsqueeze(0)
