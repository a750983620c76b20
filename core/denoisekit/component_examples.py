"""Small instances of the core's building blocks for the conformance kit (``record.example``).

Imported only when an example is built, so the core plugin stays light at start-up.
"""

from __future__ import annotations

from typing import Any

import torch

from denoisekit import noise, operators
from denoisekit.denoisers import Denoiser

X_SHAPE = (2, 1, 8, 8)


def _generator() -> torch.Generator:
    return torch.Generator().manual_seed(0)


def identity() -> tuple[operators.ForwardOperator, tuple[int, ...]]:
    return operators.Identity(), X_SHAPE


def mask() -> tuple[operators.ForwardOperator, tuple[int, ...]]:
    keep = (torch.rand(X_SHAPE[-2:], generator=_generator()) > 0.4).double()
    return operators.Mask(keep), X_SHAPE


def blur() -> tuple[operators.ForwardOperator, tuple[int, ...]]:
    kernel = torch.tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]], dtype=torch.float64) / 16
    return operators.Blur(kernel), X_SHAPE


def non_iid() -> noise.NoiseModel:
    return noise.NonIID(0.05 + 0.1 * torch.rand((1, 1, *X_SHAPE[-2:]), generator=_generator(), dtype=torch.float64))


def correlated() -> noise.NoiseModel:
    return noise.Correlated(0.1, torch.ones(3, 3, dtype=torch.float64) / 9)


def gaussian_prior() -> tuple[Denoiser, tuple[int, ...]]:
    from denoisekit.denoisers import GaussianPriorDenoiser

    a = torch.randn(4, 4, generator=_generator())
    return GaussianPriorDenoiser(torch.zeros(4), a @ a.T + torch.eye(4)), (3, 4)


def bias_free_cnn() -> tuple[Denoiser, tuple[int, ...]]:
    from denoisekit.denoisers import BiasFreeCNN

    torch.manual_seed(0)
    return BiasFreeCNN(1, width=8, depth=3).eval(), (2, 1, 8, 8)


def monai_unet() -> tuple[Denoiser, tuple[int, ...]]:
    from denoisekit.denoisers import UNetDenoiser
    from denoisekit.schedules import DiscreteVP

    torch.manual_seed(0)
    net = UNetDenoiser.from_monai(DiscreteVP(1000), "eps", spatial_dims=2, in_channels=1, out_channels=1,
                                  channels=(8, 16), attention_levels=(False, False), num_res_blocks=1,
                                  norm_num_groups=8)
    return net.eval(), (1, 1, 16, 16)


def data_consistency() -> Any:
    from denoisekit.samplers import DDIM, DataConsistency

    return DataConsistency(DDIM(), mode="project")


def joint() -> Any:
    from denoisekit.denoisers import GaussianPriorDenoiser
    from denoisekit.samplers import JointPosteriorSampler

    haze = GaussianPriorDenoiser(torch.zeros(4, dtype=torch.float64), 0.5 * torch.eye(4, dtype=torch.float64))
    return JointPosteriorSampler(haze)
