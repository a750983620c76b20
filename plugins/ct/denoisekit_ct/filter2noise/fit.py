"""Zero-shot fitting of Filter2Noise to one noisy image, and whole-image inference (Sun et al. 2025, sec. 3.4).

The denoiser is fitted to the image it will denoise, nothing else: AdamW (weight decay 0.01) with a
one-cycle learning-rate schedule, on the loss of :mod:`.loss`. Speed-up over the paper's 500 full-image
iterations: each step uses ``batch`` random ``crop`` x ``crop`` crops (the sigma predictor works on
patches, so the fitted filter applies to the whole image), and the bilateral window is capped
(:mod:`.agbf`). After fitting, the denoiser runs once on the whole image.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch

from denoisekit.api import random_crops
from denoisekit_ct.filter2noise.agbf import Filter2NoiseNet
from denoisekit_ct.filter2noise.correlated_noise import PatchNoise
from denoisekit_ct.filter2noise.loss import dog_kernel, filter2noise_loss


@dataclass(frozen=True)
class FitSettings:
    """What :func:`fit` needs: see the ``ct/filter2noise`` options for each field's meaning. The filter's
    defaults here are the paper's (pixel range, 9 x 9 window); the pipeline passes its own (the patch range,
    13 x 13) from its options."""

    iterations: int = 60
    crop: int = 128
    batch: int = 1
    lr: float = 5e-3
    lam: float = 2.0
    stages: int = 2
    patch: int = 8
    max_radius: int = 4
    range_patch: int = 0
    dilation: int = 1
    dog_size: int = 7
    dog_sigma_1: float = 9.0
    dog_sigma_2: float = 10.0
    initial_sigma_xy: float = 1.0
    initial_sigma_r: float = 0.02


def crop_batch(y: torch.Tensor, size: int, count: int, generator: torch.Generator) -> torch.Tensor:
    """``count`` random crops of (1, 1, H, W) ``y`` (``denoisekit.api.random_crops``), the side ``size`` cut
    to the image and made even (the pair downsampler halves it); the whole image (cut to even sides) when
    ``size`` is not smaller than it and one crop is asked for. Positions are drawn from ``generator``."""
    h, w = y.shape[-2:]
    ch, cw = min(size, h) // 2 * 2, min(size, w) // 2 * 2
    if (ch, cw) == (h // 2 * 2, w // 2 * 2) and count == 1:
        return y[..., :ch, :cw]
    return random_crops([y[0]], (ch, cw), count, generator)


def fit(y: torch.Tensor, settings: FitSettings, seed: int,
        progress: Callable[..., Iterable[int]] | None = None) -> Filter2NoiseNet:
    """A Filter2Noise denoiser fitted to (1, 1, H, W) ``y`` (scaled to about [0, 1]); ``seed`` fixes the
    initialisation and the crops. ``progress`` (like ``RunContext.progress``) reports the steps."""
    generator = torch.Generator().manual_seed(seed)
    net = Filter2NoiseNet(settings.stages, settings.patch, max_radius=settings.max_radius,
                          range_patch=settings.range_patch, dilation=settings.dilation)
    net.reset_parameters(generator, (settings.initial_sigma_xy, settings.initial_sigma_xy, settings.initial_sigma_r))
    net = net.to(y.device)
    dog = dog_kernel(settings.dog_size, settings.dog_sigma_1, settings.dog_sigma_2, dtype=y.dtype, device=y.device)
    optimizer = torch.optim.AdamW(net.parameters(), lr=settings.lr, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=settings.lr, total_steps=settings.iterations)
    steps: Iterable[int] = range(settings.iterations)
    if progress is not None:
        steps = progress(steps, "filter2noise: fitting", total=settings.iterations)
    for _ in steps:
        crops = crop_batch(y, settings.crop, settings.batch, generator)
        optimizer.zero_grad(set_to_none=True)
        filter2noise_loss(net, crops, dog, settings.lam).backward()
        optimizer.step()
        scheduler.step()
    return net.eval()


@torch.no_grad()
def denoise(net: Filter2NoiseNet, y: torch.Tensor, sigma_scale: float = 1.0, range_scale: float = 1.0,
            noise: PatchNoise | None = None) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """The whole image through the fitted ``net`` with scaled sigmas (and, given ``noise``, the first stage's
    patch distances bias-subtracted), and each stage's (1, 3, H, W) sigma maps (sigma_x, sigma_y in pixels,
    sigma_r in the scaled image's units) as used."""
    net.set_scales(sigma_scale, range_scale)
    return net.filter_with_maps(y, noise)
