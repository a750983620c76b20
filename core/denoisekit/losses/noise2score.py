"""Noise2Score: learn the score of the noisy data, denoise with Tweedie's formula.

K. Kim and J. C. Ye, "Noise2Score: Tweedie's Approach to Self-Supervised Image Denoising without Clean
Images", NeurIPS 2021. The network R estimates the score d/dy log p(y) of the *noisy* images, trained with
the amortised residual denoising autoencoder loss (AR-DAE; Lim et al., ICML 2020) that Noise2Score adopts

    L(R) = E_{y, u ~ N(0, I), sigma_a ~ N(0, delta^2)} ||u + sigma_a R(y + sigma_a u)||^2,

whose minimiser tends to the score as delta -> 0. As in the paper, delta is annealed during training from
``sigma_max`` to ``sigma_min`` (0.1 -> 0.001); here linearly over ``anneal_steps`` training calls, then held.
The estimate is Tweedie's formula of the noise model, x_hat = noise.tweedie(y, R(y)) (the paper's
Gaussian, Poisson and Gamma formulas; derivations in :mod:`denoisekit.noise`).
"""

from __future__ import annotations

import torch

from denoisekit.losses.base import Model, SelfSupervisedLoss, require_denoising
from denoisekit.noise import NoiseModel
from denoisekit.operators import ForwardOperator


class Noise2Score(SelfSupervisedLoss):
    """AR-DAE score matching; ``model(y) -> R(y)`` is a *score* network (same shape as y), not a denoiser.

    The loss keeps a step counter (buffer ``step``, saved in its ``state_dict``) that advances on every call
    in training mode and sets delta = sigma_max + (sigma_min - sigma_max) * min(step / anneal_steps, 1).
    ``denoise`` needs the noise model (here or in the call): ``noise.tweedie(y, model(y))``.
    """

    step: torch.Tensor

    def __init__(self, sigma_max: float = 0.1, sigma_min: float = 0.001, anneal_steps: int = 10_000,
                 noise: NoiseModel | None = None):
        super().__init__(noise)
        if not 0 < sigma_min <= sigma_max:
            raise ValueError(f"need 0 < sigma_min <= sigma_max, got {sigma_min}, {sigma_max}")
        if anneal_steps < 1:
            raise ValueError(f"anneal_steps must be at least 1, got {anneal_steps}")
        self.sigma_max, self.sigma_min, self.anneal_steps = sigma_max, sigma_min, anneal_steps
        self.register_buffer("step", torch.zeros((), dtype=torch.long))

    def delta(self) -> torch.Tensor:
        """The current perturbation scale delta (a 0-d tensor on the buffer's device: no host sync)."""
        t = (self.step / self.anneal_steps).clamp(max=1.0)
        return self.sigma_max + (self.sigma_min - self.sigma_max) * t

    def forward(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        require_denoising(op, "Noise2Score")
        u = torch.randn(y.shape, generator=generator, dtype=y.dtype, device=y.device)
        scale_shape = (y.shape[0],) + (1,) * (y.ndim - 1)
        delta = self.delta().to(device=y.device, dtype=y.dtype)
        sigma_a = delta * torch.randn(scale_shape, generator=generator, dtype=y.dtype, device=y.device)
        loss = (u + sigma_a * model(y + sigma_a * u)).square().mean()
        if self.training:
            self.step += 1
        return loss

    def denoise(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None) -> torch.Tensor:
        require_denoising(op, "Noise2Score")
        return self.noise_model(noise, "the estimate is its Tweedie formula").tweedie(y, model(y))
