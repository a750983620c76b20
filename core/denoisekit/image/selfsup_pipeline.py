"""Two single-image self-supervised pipelines of the image domain, built from the shared core.

* ``image/noise2score``: K. Kim and J. C. Ye, "Noise2Score: Tweedie's Approach to Self-Supervised Image
  Denoising without Clean Images", NeurIPS 2021. A small residual conv net learns the score of the noisy
  image's density with the AR-DAE loss (:class:`denoisekit.losses.Noise2Score`, perturbation annealed), and
  the estimate is the noise model's Tweedie formula (:mod:`denoisekit.noise`).
* ``image/neighbor2neighbor``: T. Huang et al., "Neighbor2Neighbor: Self-Supervised Denoising from Single
  Noisy Images", CVPR 2021. The same kind of net learns to map one random neighbour sub-image to the other
  (:class:`denoisekit.losses.Neighbor2Neighbor`, with its regulariser); the estimate is the net at full
  resolution.

Both train *one* network on random patches of the noisy input (all its slices for a volume), drawn by
:class:`denoisekit.data.DeviceLoader` and fitted by :class:`denoisekit.training.Trainer`; the run's seed fixes
the weights' initialisation, the patches and every draw of the loss.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from denoisekit.data import ArrayDataset, DeviceLoader
from denoisekit.errors import InputError, UserError
from denoisekit.layouts import as_stack
from denoisekit.losses import Neighbor2Neighbor, Noise2Score, SelfSupervisedLoss, make_loss_fn
from denoisekit.noise import Gamma, Gaussian, NoiseModel, Poisson
from denoisekit.noise_level import estimate_sigma
from denoisekit.pipeline import RunContext
from denoisekit.pipeline_result import PipelineResult
from denoisekit.sample import Sample
from denoisekit.training import Trainer

DEPTH = 6  # conv layers of ResConvNet: head, DEPTH - 2 residual layers, tail
INFERENCE_PIXELS = 2**22  # slices denoised per forward pass: about this many pixels (times the width) at once


# --------------------------------------------------------------------------------------------- the network

class ResConvNet(nn.Module):
    """conv3x3 C->w, LeakyReLU(0.2); ``depth - 2`` x [h <- h + LeakyReLU(conv3x3 w->w (h))]; conv3x3 w->C.

    ``residual=True`` returns ``x - net(x)`` (the net predicts the noise); otherwise ``net(x) * out_scale``.
    """

    def __init__(self, channels: int, width: int = 32, depth: int = DEPTH, *, residual: bool = False,
                 out_scale: float = 1.0):
        super().__init__()
        if depth < 2:
            raise ValueError(f"depth must be at least 2, got {depth}")
        self.head = nn.Conv2d(channels, width, 3, padding=1)
        self.body = nn.ModuleList(nn.Conv2d(width, width, 3, padding=1) for _ in range(depth - 2))
        self.tail = nn.Conv2d(width, channels, 3, padding=1)
        self.residual, self.out_scale = residual, float(out_scale)

    def reset_parameters(self, generator: torch.Generator) -> None:
        """PyTorch's default Conv2d initialisation, drawn from ``generator`` (CPU)."""
        for conv in (self.head, *self.body, self.tail):
            weight = torch.empty_like(conv.weight, device="cpu")
            nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
            bound = 1.0 / math.sqrt(conv.weight[0].numel())
            bias = torch.empty_like(conv.bias, device="cpu").uniform_(-bound, bound, generator=generator)
            with torch.no_grad():
                conv.weight.copy_(weight)
                conv.bias.copy_(bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.leaky_relu(self.head(x), 0.2)
        for conv in self.body:
            h = h + F.leaky_relu(conv(h), 0.2)
        out = self.tail(h)
        return x - out if self.residual else out * self.out_scale


# ------------------------------------------------------------------------------------ noise level estimates

def estimate_gain(y: np.ndarray) -> float:
    """Poisson gain zeta of y = zeta Poisson(x / zeta) (y >= 0): Var[sqrt(y + 3 zeta / 8)] ~ zeta / 4
    (Anscombe's variance stabilisation, scaled), so zeta = 4 sigma(sqrt(y + 3 zeta / 8))^2 (the undecimated
    MAD estimate of :func:`denoisekit.noise_level.estimate_sigma`), iterated from zeta = 4 sigma(sqrt(y))^2."""
    y = np.clip(np.asarray(y, dtype=np.float64), 0, None)
    gain = 4 * estimate_sigma(np.sqrt(y), undecimated=True) ** 2
    for _ in range(3):
        gain = 4 * estimate_sigma(np.sqrt(y + 3 * gain / 8), undecimated=True) ** 2
    return gain


def inverse_trigamma(v: float) -> float:
    """The ell > 0 with trigamma(ell) = v (Newton from 1/ell + 1/(2 ell^2) = v)."""
    ell = torch.tensor((1 + math.sqrt(1 + 2 * v)) / (2 * v), dtype=torch.float64)
    for _ in range(20):
        step = (torch.special.polygamma(1, ell) - v) / torch.special.polygamma(2, ell)
        ell = torch.clamp(ell - step, min=ell / 10)
    return float(ell)


def estimate_ell(y: np.ndarray) -> float:
    """Gamma shape ell of y = x Gamma(ell, 1 / ell) (y > 0): log y = log x + log g with Var[log g] =
    trigamma(ell), so ell = trigamma^-1(sigma(log y)^2) (as above); zeros are set to the smallest positive value."""
    y = np.asarray(y, dtype=np.float64)
    positive = y[y > 0]
    if positive.size == 0:
        raise ValueError("the Gamma shape estimate needs positive values")
    return inverse_trigamma(estimate_sigma(np.log(np.maximum(y, positive.min())), undecimated=True) ** 2)


def train_net(net: ResConvNet, loss: SelfSupervisedLoss, slices: np.ndarray, config: Mapping[str, Any],
              ctx: RunContext) -> None:
    """Fit ``net`` with ``loss`` on random ``patch`` x ``patch`` crops (flipped at random) of the scaled
    ``slices`` (N, C, H, W): ``steps`` Adam steps at ``lr``, cosine-decayed to lr / 10, batches of ``batch``."""
    n, _, h, w = slices.shape
    patch = (min(config["patch"], h), min(config["patch"], w))
    batch = config["batch"]
    # repeated so that one epoch holds at least one full batch (on a GPU each repeat is a copy of the slice)
    items = list(slices) * -(-batch // n)
    loader = DeviceLoader(ArrayDataset(items, key="y"), ctx.device, batch, patch=patch, flips=(0, 1),
                          drop_last=True, generator=ctx.seed)
    steps = config["iterations"]
    # no mixed precision: Noise2Score's perturbations (delta down to 1e-3) are below bf16's resolution
    trainer = Trainer(net, make_loss_fn(loss), lambda p: torch.optim.Adam(p, lr=config["lr"]),
                      scheduler=lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, steps, config["lr"] / 10),
                      device=ctx.device, seed=ctx.seed, amp=False, progress=ctx.show_progress)
    trainer.fit(loader, steps)


@torch.no_grad()
def apply_net(fn: Any, slices: np.ndarray, ctx: RunContext, width: int, name: str) -> np.ndarray:
    """``fn(y)`` on the scaled slices (N, C, H, W), a few slices per forward pass."""
    n, c, h, w = slices.shape
    per_pass = max(1, INFERENCE_PIXELS // (h * w * max(width, c)))
    starts = range(0, n, per_pass)
    if len(starts) > 1:
        starts = ctx.progress(starts, f"{name}: denoising", total=len(starts))
    out = np.empty_like(slices)
    for i in starts:
        y = torch.from_numpy(slices[i:i + per_pass]).to(ctx.device)
        out[i:i + per_pass] = fn(y).float().cpu().numpy()
    return out


def seeded_net(channels: int, config: Mapping[str, Any], ctx: RunContext, **kwargs: Any) -> ResConvNet:
    net = ResConvNet(channels, config["width"], **kwargs)
    net.reset_parameters(torch.Generator().manual_seed(ctx.seed))
    return net.to(ctx.device)


# ------------------------------------------------------------------------------------------- the pipelines

class Noise2ScorePipeline:
    """The ``image/noise2score`` pipeline (Kim & Ye, NeurIPS 2021).

    Scaling: Gaussian images are mapped to ``(x - min) / range`` like zs-n2n; Poisson and Gamma images to
    ``x / range`` (no shift: counts and multiplicative noise need their zero), where ``range`` is the
    sample's data range, else ``max - min`` (Gaussian) or ``max`` (Poisson, Gamma). ``sigma`` and ``gain``
    are in the input's units and divided by ``range``; ``ell`` has no unit. 0 estimates them.
    """

    name = "noise2score"

    def noise_model(self, y: np.ndarray, config: Mapping[str, Any],
                    scale: float) -> tuple[NoiseModel, float, dict[str, float]]:
        """The noise model on the scaled slices ``y``, its average variance there and the value used, in the
        input's units, as the result's notes (run.json)."""
        kind = config["noise"]
        if kind == "gaussian":
            sigma = config["sigma"] / scale if config["sigma"] else estimate_sigma(y, undecimated=True)
            if sigma <= 0:
                raise UserError(f"{self.name}: the estimated noise level is 0 (a flat or noiseless image); "
                                "set sigma")
            return Gaussian(sigma), sigma**2, {"sigma": sigma * scale}
        mean = float(y.mean())
        if kind == "poisson":
            gain = config["gain"] / scale if config["gain"] else estimate_gain(y)
            if gain <= 0:
                raise UserError(f"{self.name}: the estimated Poisson gain is 0 (a flat image); set gain")
            return Poisson(gain), gain * max(mean, gain), {"gain": gain * scale}
        ell = config["ell"] or estimate_ell(y)
        return Gamma(ell), max(mean, 1e-6) ** 2 / ell, {"ell": ell}

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        where = sample.path or Path("<input>")
        stack = as_stack(sample, self.name)
        x = stack.array
        if config["noise"] == "gaussian":
            low = float(x.min())
            scale = float(sample.data_range or x.max() - low) or 1.0
        else:
            if x.min() < 0:
                raise InputError(where, f"noise={config['noise']} needs non-negative values, "
                                        f"the minimum is {x.min():g}")
            low, scale = 0.0, float(sample.data_range or x.max()) or 1.0
        y = (x - low) / scale
        noise, variance, notes = self.noise_model(y, config, scale)

        # R(y) = net(y) / sqrt(variance): the net predicts a noise-sized term, not a score of size 1 / sigma
        net = seeded_net(y.shape[1], config, ctx, out_scale=1.0 / math.sqrt(variance))
        loss = Noise2Score(sigma_max=config["delta_max"], sigma_min=config["delta_min"],
                           anneal_steps=config["iterations"], noise=noise).to(ctx.device)
        with ctx.stage("train"):
            train_net(net, loss, y, config, ctx)
        net.eval()
        loss.eval()
        kept = 0

        def estimate(t: torch.Tensor) -> torch.Tensor:
            nonlocal kept
            out = loss.denoise(net, t)
            # Gamma's formula has a pole where y R(y) = ell - 1 and turns negative past it: keep y there
            bad = ~torch.isfinite(out)
            if config["noise"] == "gamma":
                bad |= out < 0
            kept += int(bad.sum())
            return torch.where(bad, t, out)

        with ctx.stage("denoise"):
            out = apply_net(estimate, y, ctx, config["width"], self.name)
        if kept:
            notes["pixels_left_noisy"] = kept
        return PipelineResult(stack.restore(out * scale + low, sample, config["clip"]), notes=notes)


class Neighbor2NeighborPipeline:
    """The ``image/neighbor2neighbor`` pipeline (Huang et al., CVPR 2021); scaling as zs-n2n."""

    name = "neighbor2neighbor"

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> Sample:
        stack = as_stack(sample, self.name)
        x = stack.array
        low = float(x.min())
        scale = float(sample.data_range or x.max() - low) or 1.0
        y = (x - low) / scale
        net = seeded_net(y.shape[1], config, ctx, residual=True)
        with ctx.stage("train"):
            train_net(net, Neighbor2Neighbor(gamma=config["gamma"]), y, config, ctx)
        net.eval()
        with ctx.stage("denoise"):
            out = apply_net(net, y, ctx, config["width"], self.name)
        return stack.restore(out * scale + low, sample, config["clip"])
