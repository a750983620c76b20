"""DDS2M restoration (Miao et al., ICCV 2023, arXiv 2303.06682, Alg. 1) through the core's DDRM sampler.

Denoising is DDRM with ``H = I`` (Kawar et al., NeurIPS 2022): the core :class:`~denoisekit.samplers.DDRM` with
the :class:`~denoisekit.operators.Identity` operator and ``Gaussian(sigma_y)`` noise, on the discrete linear-beta
VP schedule of the paper's configuration (T = 2000, beta from 1e-4 to 5e-3), data on [-1, 1]. Its x0 estimate at
each step is VS2M fitted to the current ``x_t`` (:class:`~denoisekit_hsi.dds2m.vs2m.VS2MDenoiser`). The paper
visits all 2000 steps and starts fitting at step 1000; here the reverse process runs ``steps`` evenly spaced times
from the level ``start * sigma_y`` (``start = 1``: DDRM's start, ``x_T = y``) down to 0. The result is the
exponential moving average of the per-step estimates (``ema``; 0 = the last estimate); the reference is never seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from denoisekit_hsi.dds2m.vs2m import VS2M, VS2MDenoiser

Tensor = torch.Tensor

NUM_TRAIN_TIMESTEPS = 2000
BETAS = {"beta_start": 1e-4, "beta_end": 5e-3}


@dataclass(frozen=True, kw_only=True)
class DDS2MSettings:
    """The knobs of :func:`dds2m_restore` (see the pipeline's options for their meaning)."""

    rank: int = 8
    steps: int = 100
    inner_steps: int = 4
    start: float = 1.0
    lr: float = 2e-3
    kl_weight: float = 3.0
    eta: float = 0.85
    eta_b: float = 1.0
    ema: float = 0.9
    channels: Sequence[int] = (16, 32, 64)
    skip: int = 4
    hidden: Sequence[int] = (64, 64)


def seeded_vs2m(shape: Sequence[int], settings: DDS2MSettings, seed: int, device: torch.device | str) -> VS2M:
    """A VS2M initialised on the CPU from ``seed`` (so every device starts from the same weights), then moved."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = VS2M(shape, settings.rank, channels=settings.channels, skip=settings.skip, hidden=settings.hidden)
    return model.to(device)


def dds2m_restore(y: Tensor, sigma_y: float, settings: DDS2MSettings, *, generator: torch.Generator,
                  progress: bool = False) -> Tensor:
    """Denoise ``y`` (bands, H, W) on [-1, 1] with iid Gaussian noise ``sigma_y`` (same scale); returns the
    estimate (bands, H, W), or ``y`` itself when ``sigma_y`` is at most the schedule's smallest level (0.01).
    All randomness (network initialisation, fixed inputs, sampler noise) comes from ``generator``, which lives on
    ``y``'s device."""
    from denoisekit.api import DDRM, DiscreteVP, Gaussian, Identity

    schedule = DiscreteVP(NUM_TRAIN_TIMESTEPS, "linear_beta", dict(BETAS))
    if sigma_y <= float(schedule.sigma(0.0)):  # below the schedule's last level (0.01): nothing to reverse
        return y.clone()
    schedule.t_max = float(schedule.sigma_to_t(settings.start * sigma_y))
    sigma_T, scale_T = float(schedule.sigma(schedule.t_max)), float(schedule.scale(schedule.t_max))

    init_seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device))
    vs2m = seeded_vs2m(tuple(y.shape), settings, init_seed, y.device)
    denoiser = VS2MDenoiser(vs2m, lr=settings.lr, inner_steps=settings.inner_steps, kl_weight=settings.kl_weight)
    sampler = DDRM(eta=settings.eta, eta_b=settings.eta_b, noise=Gaussian(sigma_y), denoise_final=False)

    x = y.unsqueeze(0)
    z = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    x_T = scale_T * (x + max(sigma_T**2 - sigma_y**2, 0.0) ** 0.5 * z)  # DDRM eq. 8 with H = I
    average: list[Tensor] = []

    def accumulate(i: int, x_t: Tensor, x0_hat: Tensor) -> None:
        if not average:
            average.append(x0_hat.clone())
        else:
            average[0].mul_(settings.ema).add_(x0_hat, alpha=1 - settings.ema)

    sampler.sample(denoiser, schedule, x_T, y=x, op=Identity(), steps=settings.steps, generator=generator,
                   callback=accumulate, progress=progress)
    return average[0][0]
