"""The attention-guided bilateral filter (AGBF) and the Filter2Noise denoiser (Sun et al. 2025, sec. 3.1).

One AGBF stage predicts sigma_x, sigma_y, sigma_r per patch (:class:`SigmaPredictor`), nearest-upsamples
them to the pixels and applies :func:`bilateral_filter`. The window is capped: it has
ceil(2 max(sigma_x, sigma_y) / dilation) taps on each side of the centre, but at most ``max_radius`` and
never reaching past the image's side (small crops, half-resolution images of the loss).
``range_patch`` and ``dilation`` are passed to the filter: 0 and 1 give the paper's filter.
F2N-S1 is one stage, F2N-S2 two in a row. Given a noise model (:class:`PatchNoise`), the first stage's patch
distances have the noise's expected part subtracted (:func:`noise_bias`); the second stage's input holds far
less noise than the model says, so it is left as it is.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from denoisekit_ct.filter2noise.bilateral import bilateral_filter, noise_bias
from denoisekit_ct.filter2noise.correlated_noise import PatchNoise
from denoisekit_ct.filter2noise.sigma_predictor import SigmaPredictor


def window_radius(sigma_x: torch.Tensor, sigma_y: torch.Tensor, max_radius: int, dilation: int = 1) -> int:
    """Taps on each side of the centre: ceil(2 max(sigma_x, sigma_y) / dilation), at least 1, at most
    ``max_radius``."""
    largest = float(torch.maximum(sigma_x.detach().max(), sigma_y.detach().max()))
    return max(1, min(max_radius, math.ceil(2 * largest / dilation)))


class AttentionGuidedBilateralFilter(nn.Module):
    """One AGBF stage: sigma maps from :class:`SigmaPredictor`, then :func:`bilateral_filter`.

    The input is edge-padded to a multiple of the patch size for the predictor; the maps are cut back
    to the image. ``sigma_scale`` / ``range_scale`` multiply the spatial / range sigmas (1 in training;
    set after training to smooth more or less without refitting).
    """

    def __init__(self, patch: int = 8, dim: int = 16, max_radius: int = 4, spatial_bound: float = 6.0,
                 range_bound: float = 1.0, range_patch: int = 0, dilation: int = 1):
        super().__init__()
        self.predictor = SigmaPredictor(patch, dim, spatial_bound=spatial_bound, range_bound=range_bound)
        self.max_radius, self.range_patch, self.dilation = max_radius, range_patch, dilation
        self.sigma_scale = 1.0
        self.range_scale = 1.0

    def sigma_maps(self, x: torch.Tensor) -> torch.Tensor:
        """Per-pixel (B, 3, H, W) sigma_x, sigma_y, sigma_r (unscaled)."""
        p = self.predictor.patch
        h, w = x.shape[-2:]
        pad_h, pad_w = -h % p, -w % p
        padded = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate") if pad_h or pad_w else x
        maps = self.predictor(padded)
        maps = maps.repeat_interleave(p, dim=2).repeat_interleave(p, dim=3)
        return maps[..., :h, :w]

    def filter_with_maps(self, x: torch.Tensor, noise: PatchNoise | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The filtered ``x`` and the (B, 3, H, W) sigma maps it used (scaled); with ``noise`` (and a patch
        range) the patch distances are bias-subtracted."""
        maps = self.sigma_maps(x)
        scale = maps.new_tensor([self.sigma_scale, self.sigma_scale, self.range_scale]).view(1, 3, 1, 1)
        maps = maps * scale
        sx, sy, sr = maps[:, 0:1], maps[:, 1:2], maps[:, 2:3]
        fits = (min(x.shape[-2:]) - 1) // self.dilation  # the reflected border needs reach < the image's side
        radius = min(window_radius(sx, sy, self.max_radius, self.dilation), max(fits, 0))
        bias = None
        if noise is not None and self.range_patch:
            bias = noise_bias(noise.variance, noise.correlation, radius, self.dilation)
        return bilateral_filter(x, sx, sy, sr, radius, self.range_patch, self.dilation, bias), maps

    def forward(self, x: torch.Tensor, noise: PatchNoise | None = None) -> torch.Tensor:
        return self.filter_with_maps(x, noise)[0]


class Filter2NoiseNet(nn.Module):
    """``stages`` AGBF stages in a row (F2N-S1 or F2N-S2): the denoiser D of Filter2Noise."""

    def __init__(self, stages: int = 2, patch: int = 8, dim: int = 16, max_radius: int = 4,
                 spatial_bound: float = 6.0, range_bound: float = 1.0, range_patch: int = 0, dilation: int = 1):
        super().__init__()
        self.stages = nn.ModuleList(
            AttentionGuidedBilateralFilter(patch, dim, max_radius, spatial_bound, range_bound, range_patch, dilation)
            for _ in range(stages))

    def reset_parameters(self, generator: torch.Generator, initial: tuple[float, float, float] | None = None) -> None:
        """Every stage's predictor from ``generator``, its maps starting near ``initial`` when given."""
        for stage in self.stages:
            stage.predictor.reset_parameters(generator, initial)

    def set_scales(self, sigma_scale: float = 1.0, range_scale: float = 1.0) -> None:
        """Scale every stage's spatial / range sigmas (after training)."""
        for stage in self.stages:
            stage.sigma_scale, stage.range_scale = sigma_scale, range_scale

    def forward(self, x: torch.Tensor, noise: PatchNoise | None = None) -> torch.Tensor:
        """``x`` through the stages; ``noise``, the model of ``x``'s noise, debiases the first stage's patch
        distances."""
        return self.filter_with_maps(x, noise)[0]

    def filter_with_maps(self, x: torch.Tensor,
                         noise: PatchNoise | None = None) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The output and each stage's scaled (B, 3, H, W) sigma maps on the way through the stages."""
        maps = []
        for i, stage in enumerate(self.stages):
            x, stage_maps = stage.filter_with_maps(x, noise if i == 0 else None)
            maps.append(stage_maps)
        return x, maps
