"""One signature for every self-supervised loss, and the adapter to the :class:`~denoisekit.training.Trainer`.

``loss(model, y, *, op=None, noise=None, generator=None)`` returns a scalar to minimise over ``model``'s
weights: ``y`` is the noisy batch (B, C, H, W) (B, C, D, H, W where a loss says so), ``op`` the forward
operator (the identity when None: denoising), ``noise`` the noise model where a loss needs one, and every
random draw comes from ``generator``. ``loss.denoise(model, y, ...)`` is the inference rule the loss implies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import torch
from torch import nn

from denoisekit.noise import NoiseModel
from denoisekit.operators import ForwardOperator, Identity

Model = Callable[..., torch.Tensor]


def resolve_op(op: ForwardOperator | None) -> ForwardOperator:
    """``op``, or the identity when None."""
    return Identity() if op is None else op


def require_denoising(op: ForwardOperator | None, name: str) -> None:
    """Raise unless ``op`` is None or the identity: ``name`` is defined for denoising only."""
    if op is not None and not isinstance(op, Identity):
        raise ValueError(f"{name} is a denoising loss (op must be None or Identity, got {type(op).__name__})")


class SelfSupervisedLoss(nn.Module):
    """Base class: ``forward(model, y, *, op, noise, generator) -> scalar`` and ``denoise(model, y, *, op, noise)``.

    ``model(x) -> x_hat`` is the network being trained; subclasses say where they wrap it differently
    (a score network, a noise predictor, a conditional blind-spot network). ``batch_keys`` maps extra keys
    of a batch dict to extra keyword arguments of ``forward`` (read by :func:`make_loss_fn`). Losses that
    need a noise model also take one at construction, used when a call passes none.
    """

    batch_keys: ClassVar[Mapping[str, str]] = {}

    def __init__(self, noise: NoiseModel | None = None):
        super().__init__()
        self.noise = noise

    def noise_model(self, noise: NoiseModel | None, why: str) -> NoiseModel:
        """``noise``, else the one given at construction; raise naming ``why`` when there is neither."""
        chosen = self.noise if noise is None else noise
        if chosen is None:
            raise ValueError(f"{type(self).__name__} needs a noise model ({why}): pass noise=")
        return chosen

    def forward(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        raise NotImplementedError

    def denoise(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None) -> torch.Tensor:
        """The estimate of x: ``model(A^H y)`` (``model(y)`` for denoising)."""
        return model(resolve_op(op).A_adjoint(y))


def make_loss_fn(loss: SelfSupervisedLoss, *, op: ForwardOperator | None = None,
                 noise: NoiseModel | None = None) -> Callable[[nn.Module, Any, torch.Generator], torch.Tensor]:
    """``loss_fn(model, batch, generator)`` for the Trainer: ``batch`` is the noisy tensor ``y`` or a dict with
    key ``"y"`` (and the extra keys of ``loss.batch_keys``, e.g. ``"y2"`` for Noise2Noise); ``op`` and
    ``noise`` are fixed for the whole run."""

    def loss_fn(model: nn.Module, batch: Any, generator: torch.Generator) -> torch.Tensor:
        if isinstance(batch, torch.Tensor):
            return loss(model, batch, op=op, noise=noise, generator=generator)
        if isinstance(batch, Mapping) and "y" in batch:
            extra = {keyword: batch[key] for key, keyword in loss.batch_keys.items() if key in batch}
            return loss(model, batch["y"], op=op, noise=noise, generator=generator, **extra)
        raise TypeError(f"a batch is a tensor or a dict with key 'y', got {type(batch).__name__}")

    return loss_fn
