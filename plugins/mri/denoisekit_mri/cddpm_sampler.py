"""DDIM sampling with data consistency inside every reverse step (mri/cddpm-dc; Alsubaie et al.,
arXiv 2510.06335, which enforces the measurements at each step rather than after sampling).

Per step t -> u (training-index times, alpha_bar from the schedule: a_t = scale(t)^2):
  1. eps_hat = net(x_t, zero-filled, t); x0_hat = (x_t - sqrt(1 - a_t) eps_hat) / sqrt(a_t)   (DDPM eq. 15)
  2. x0_hat <- DC(support * clip(x0_hat))  (:func:`clip_magnitude`, the complex form of DDPM's x0 clipping;
     the support of the coil maps, outside which the coil-combined training target is zero; then
     :func:`hard_dc` or :func:`soft_dc` through the multi-coil operator)
  3. eps' = (x_t - sqrt(a_t) x0_hat) / sqrt(1 - a_t);  x_u = sqrt(a_u) x0_hat + sqrt(1 - a_u) eps'
     (DDIM, Song et al. ICLR 2021, eq. 12 with eta = 0).
The last step returns the data-consistent x0_hat.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from denoisekit.api import ForwardOperator, NoiseSchedule, conjugate_gradient

EpsModel = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (x_t, t) -> eps_hat, condition bound


def hard_dc(x0: torch.Tensor, y: torch.Tensor, op: ForwardOperator, iterations: int = 10) -> torch.Tensor:
    """The projection of x0 onto the least-squares solutions of A x = y: x0 + A^+ (y - A x0), A^+ applied as
    ``iterations`` CG steps on the normal equations A^H A d = A^H (y - A x0) from d = 0 (the minimum-norm
    solution). For a single coil this replaces the acquired k-space samples by y; with coils the correction
    is combined through the maps (S^H). Exact (idempotent) once CG has converged."""
    residual = op.A_adjoint(y - op.A(x0))
    return x0 + conjugate_gradient(op.normal, residual, iterations=iterations, tol=1e-7)


def soft_dc(x0: torch.Tensor, y: torch.Tensor, op: ForwardOperator, weight: float,
            iterations: int = 10) -> torch.Tensor:
    """argmin_x ||x - x0||^2 + weight ||A x - y||^2 = (I + weight A^H A)^{-1} (x0 + weight A^H y), by CG
    warm-started at x0; weight -> infinity approaches :func:`hard_dc`, weight = 0 leaves x0."""
    if weight <= 0:
        return x0
    rhs = x0 + weight * op.A_adjoint(y)
    return conjugate_gradient(lambda x: x + weight * op.normal(x), rhs, x0, iterations=iterations, tol=1e-7)


def clip_magnitude(x: torch.Tensor, bound: float) -> torch.Tensor:
    """x with every |x| above ``bound`` scaled down to it, phases kept (``bound`` <= 0: x unchanged). At large
    t, x0_hat = (x_t - sqrt(1 - a_t) eps_hat) / sqrt(a_t) multiplies the network's error by 1 / sqrt(a_t)
    (about 160 at t = 999 of the linear schedule); DDPM clips x0_hat to the data range for that reason."""
    if bound <= 0:
        return x
    return x * torch.clamp(bound / x.abs().clamp_min(1e-30), max=1.0)


def timesteps(steps: int, train_steps: int) -> list[int]:
    """``steps`` integer times from train_steps - 1 down to 0, evenly spread (DDIM's sub-sequence tau)."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    grid = torch.linspace(train_steps - 1, 0, steps) if steps > 1 else torch.tensor([train_steps - 1.0])
    return [int(v) for v in grid.round()]


def sample(model: EpsModel, schedule: NoiseSchedule, y: torch.Tensor, op: ForwardOperator, shape: tuple[int, ...],
           times: list[int], dc: Callable[[torch.Tensor, torch.Tensor, ForwardOperator], torch.Tensor],
           generator: torch.Generator | None = None, clip: float = 0.0,
           support: torch.Tensor | None = None) -> torch.Tensor:
    """The DDIM + DC reverse process from x_T ~ N(0, I) (complex: unit variance in the real and imaginary
    channels, as the network was trained); returns the final data-consistent x0 estimate (complex ``shape``).
    ``clip`` > 0 bounds |x0_hat| before the DC (:func:`clip_magnitude`); ``support`` (0/1, broadcastable to
    ``shape``) zeroes x0_hat outside it."""
    device = y.device
    noise = torch.randn((2, *shape), generator=generator, device=generator.device if generator else device)
    x = torch.complex(noise[0], noise[1]).to(device)
    x0 = x
    for i, t in enumerate(times):
        a_t = float(schedule.scale(float(t))) ** 2
        eps = model(x, torch.full((shape[0],), float(t), device=device))
        x0 = clip_magnitude((x - (1 - a_t) ** 0.5 * eps) / a_t**0.5, clip)
        x0 = dc(x0 if support is None else x0 * support, y, op)
        if i + 1 < len(times):
            a_u = float(schedule.scale(float(times[i + 1]))) ** 2
            eps = (x - a_t**0.5 * x0) / (1 - a_t) ** 0.5
            x = a_u**0.5 * x0 + (1 - a_u) ** 0.5 * eps
    return x0
