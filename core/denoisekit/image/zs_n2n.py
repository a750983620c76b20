"""Zero-Shot Noise2Noise (ZS-N2N).

Y. Mansour and R. Heckel, "Zero-Shot Noise2Noise: Efficient Image Denoising without any Data",
CVPR 2023. A tiny convolutional network is trained on the noisy image alone: two fixed 2x2
stride-2 diagonal filters split the image into two half-resolution images that show nearly the
same content but average disjoint pixels (so, for pixel-wise independent noise, independent
noise), and the network learns to map one to the other. It predicts the noise, so the estimate
is ``y - f(y)``; a consistency term ties the half-resolution estimates to the downsampled
full-resolution one. The pair downsampler and the loss live in :mod:`denoisekit.losses.noise2noise`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from denoisekit.layouts import as_stack, for_each_slice
from denoisekit.losses.noise2noise import pair_downsample as pair_downsample  # re-exported
from denoisekit.losses.noise2noise import zs_n2n_loss
from denoisekit.pipeline import RunContext
from denoisekit.sample import Sample


class NoiseNet(nn.Module):
    """conv3x3 C->k, LeakyReLU(0.2), conv3x3 k->k, LeakyReLU(0.2), conv1x1 k->C (the paper's net)."""

    def __init__(self, in_channels: int, width: int = 48):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)
        self.conv3 = nn.Conv2d(width, in_channels, 1)

    def reset_parameters(self, generator: torch.Generator) -> None:
        """PyTorch's default Conv2d initialisation, drawn from ``generator``."""
        for conv in (self.conv1, self.conv2, self.conv3):
            nn.init.kaiming_uniform_(conv.weight, a=math.sqrt(5), generator=generator)
            bound = 1.0 / math.sqrt(conv.weight[0].numel())
            nn.init.uniform_(conv.bias, -bound, bound, generator=generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.leaky_relu(self.conv1(x), 0.2)
        x = F.leaky_relu(self.conv2(x), 0.2)
        return self.conv3(x)


def train(
    y: torch.Tensor,
    *,
    iterations: int,
    lr: float,
    lr_step: int,
    channels: int,
    generator: torch.Generator,
    progress: Callable[..., Iterable[int]] | None = None,
) -> NoiseNet:
    """Train a fresh network on ``y`` (1, C, H, W) with Adam and the paper's step schedule.

    ``progress`` (like :meth:`RunContext.progress`) reports the iterations when given.
    """
    net = NoiseNet(y.shape[1], channels).to(y.device)
    net.reset_parameters(generator)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=lr_step, gamma=0.5)
    steps: Iterable[int] = range(iterations)
    if progress is not None:
        steps = progress(steps, "zs-n2n: training", total=iterations)
    for _ in steps:
        optimizer.zero_grad(set_to_none=True)
        zs_n2n_loss(net, y).backward()
        optimizer.step()
        scheduler.step()
    return net


@torch.no_grad()
def denoise(net: NoiseNet, y: torch.Tensor) -> torch.Tensor:
    """The estimate ``y - f(y)``."""
    return y - net(y)


class ZeroShotN2N:
    """The ``image/zs-n2n`` pipeline: ZS-N2N per image, per slice for volumes (Mansour & Heckel 2023).

    ``C`` is the network's channel axis; every axis other than H, W and C is looped over by
    :func:`~denoisekit.layouts.for_each_slice`, slice ``i`` trained on its own from ``ctx.generator(i)``.
    """

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> Sample:
        x = sample.array
        stack = as_stack(sample, "zs-n2n")

        low = float(x.min())
        scale = float(sample.data_range or x.max() - low) or 1.0

        def one_slice(image: np.ndarray, slice_ctx: RunContext) -> np.ndarray:
            y = torch.from_numpy((image[None] - low) / scale).to(ctx.device)
            with ctx.stage("train"):
                net = train(y, iterations=config["iterations"], lr=config["lr"], lr_step=config["lr_step"],
                            channels=config["channels"], generator=slice_ctx.generator(),
                            progress=slice_ctx.progress if slice_ctx.show_progress else None)
            with ctx.stage("denoise"):
                return denoise(net, y)[0].cpu().numpy() * scale + low

        out = for_each_slice(ctx, stack.array, one_slice, "zs-n2n: slices")
        return stack.restore(out, sample, config["clip"])
