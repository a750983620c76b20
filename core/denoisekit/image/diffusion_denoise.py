"""Denoising with a diffusion prior: the ``image/ddim`` pipeline.

The prior is a blind bias-free CNN denoiser ``D`` (Mohan et al., ICLR 2020; the prior network of
Kadkhodaie et al., ICLR 2024) trained for Gaussian noise of every level in [0, 0.4] on the [0, 1]
scale (``benchmarks/train_image_prior.py``). A noisy image ``y = x0 + sigma_y eps`` is exactly a
draw of the EDM forward process ``x_t = x0 + t eps`` (Karras et al., NeurIPS 2022) at
``t = sigma_y``. So the reverse process is started at ``x_T = y`` on the EDM schedule cut at
``sigma_y`` (:class:`~denoisekit.schedules.Truncated`) and run by any registered sampler down to
``sigma_min`` (both found through the run context's host), and the sampler's
final Tweedie step gives the estimate. With ``steps = 0`` the estimate is the single evaluation
``D(y, sigma_y) = E[x0 | y]``, the MMSE estimate.

The noise level is given in the image's units or estimated with the median absolute deviation of
the finest diagonal wavelet (Haar HH) coefficients, ``sigma = median(|HH|) / 0.6745`` with
``HH = (a - b - c + d) / 2`` over the non-overlapping 2x2 blocks ``[[a, b], [c, d]]`` (Donoho &
Johnstone, Biometrika 1994; :func:`denoisekit.noise_level.estimate_sigma`), pooled over every slice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from denoisekit.checkpoint import load_weights
from denoisekit.denoisers import BiasFreeCNN
from denoisekit.errors import InputError, UserError
from denoisekit.layouts import as_stack, for_each_slice
from denoisekit.noise_level import estimate_sigma
from denoisekit.pipeline import RunContext
from denoisekit.pipeline_result import PipelineResult
from denoisekit.sample import Sample
from denoisekit.schedules import NoiseSchedule, Truncated

Tensor = torch.Tensor

SIGMA_MIN = 0.002  # the EDM schedule's lowest noise level on the [0, 1] scale (Karras et al.'s default)
# The sampler options and the sampler parameter each one sets (passed only when not at its default).
SAMPLER_PARAMS = {"eta": "eta", "churn": "S_churn"}


def shipped_weights() -> Path:
    """The weights that ship with the package: ``denoisekit/image/weights/bf_cnn_gray.pt``."""
    return Path(__file__).resolve().parent / "weights" / "bf_cnn_gray.pt"


def _state_dict(state: Any, path: Path) -> dict[str, Tensor]:
    """A plain state dict, or the EMA (else the model) weights of a :class:`~denoisekit.training.Trainer`
    checkpoint."""
    if isinstance(state, Mapping) and isinstance(state.get("state_dict"), Mapping):  # denoisekit train's weights.pt
        state = state["state_dict"]
    elif isinstance(state, Mapping) and "format" in state and ("ema" in state or "model" in state):
        ema = state.get("ema")
        state = ema.get("module") if isinstance(ema, Mapping) else state.get("model")
    if not isinstance(state, Mapping) or not state or not all(isinstance(v, Tensor) for v in state.values()):
        raise InputError(path, "not a state_dict of a BiasFreeCNN (expected a dict of tensors)")
    return dict(state)


def load_prior(path: str | Path, device: torch.device | str = "cpu") -> BiasFreeCNN:
    """A :class:`BiasFreeCNN` (eval mode) with the weights in ``path``, loaded with ``weights_only``;
    its channels, width and depth are read from the weights. A bad file raises InputError."""
    path = Path(path)
    state = _state_dict(load_weights(path), path)
    convs = sorted((int(m.group(1)), v.shape) for k, v in state.items()
                   if (m := re.fullmatch(r"net\.(\d+)\.weight", str(k))) and v.ndim == 4)
    if len(convs) < 2:
        raise InputError(path, "not a state_dict of a 2-D BiasFreeCNN (found no net.<i>.weight convolutions)")
    (_, first), (_, last) = convs[0], convs[-1]
    channels, width, kernel = int(first[1]), int(first[0]), int(first[-1])
    try:
        model = BiasFreeCNN(channels, width=width, depth=len(convs), kernel_size=kernel)
        model.load_state_dict(state)
    except (RuntimeError, ValueError, TypeError) as e:
        first_line = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise InputError(path, f"does not fit a BiasFreeCNN ({first_line})") from None
    if int(last[0]) != channels:
        raise InputError(path, f"the last convolution has {last[0]} output channels, the first {channels} inputs")
    return model.to(device).eval().requires_grad_(False)


@torch.no_grad()
def restore(y: Tensor, prior: torch.nn.Module, sampler: Any, schedule: NoiseSchedule, sigma: float, steps: int, *,
            generator: torch.Generator | None = None, progress: bool = False) -> Tensor:
    """Denoise ``y`` (B, C, H, W) on the [0, 1] scale with noise level ``sigma`` (same scale).

    ``steps = 0``: ``D(y, sigma)``. Otherwise ``sampler`` runs ``steps`` steps of ``schedule`` (an EDM
    schedule, ``sigma(t) = t``) cut at ``sigma`` (:class:`~denoisekit.schedules.Truncated`), from ``x_T = y``
    down to its ``sigma_min``. Noise at or below ``SIGMA_MIN`` is left as it is.
    """
    if sigma <= SIGMA_MIN:
        return y.clone()
    if steps == 0:
        return prior(y, sigma)
    cut = Truncated.at_sigma(schedule, sigma)
    return sampler.sample(prior, cut, y, steps=steps, generator=generator, progress=progress)


class DiffusionDenoise:
    """The ``image/ddim`` pipeline: every 2-D slice (axes other than H, W and C) is denoised by
    :func:`restore`; the channels of a colour image are denoised one by one by a grayscale prior
    (or together by a prior with as many channels)."""

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        where = sample.path or Path("<input>")
        x = sample.array
        stacked = as_stack(sample, "ddim")

        params = {"denoise_final": config["denoise_final"]}
        defaults = {"eta": 0.0, "churn": 0.0}
        params |= {SAMPLER_PARAMS[k]: config[k] for k in SAMPLER_PARAMS if config[k] != defaults[k]}
        sampler = ctx.sampler(config["sampler"], **params)
        schedule = ctx.schedule("edm", sigma_min=SIGMA_MIN)
        with ctx.stage("load"):
            weights = Path(config["weights"]).expanduser() if config["weights"] else shipped_weights()
            prior = load_prior(weights, ctx.device)
        prior_channels = prior.net[0].in_channels

        stack, c = stacked.array, stacked.array.shape[1]
        if prior_channels not in (1, c):
            raise InputError(where, f"the prior ({weights.name}) has {prior_channels} channels; the image has {c}")

        low = float(x.min())
        scale = float(sample.data_range or x.max() - low) or 1.0
        scaled = (stack - np.float32(low)) / np.float32(scale)
        if config["sigma"] > 0:
            sigma, source = float(config["sigma"]), "given"
        else:
            sigma, source = estimate_sigma(scaled) * scale, "estimated (median(|HH|) / 0.6745)"
        sigma_scaled = sigma / scale
        notes: dict[str, Any] = {"sigma": sigma, "sigma_source": source, "sigma_scaled": sigma_scaled,
                                 "sampler": config["sampler"], "steps": config["steps"]}
        if config["steps"] > 0 and sigma_scaled > schedule.t_max:
            raise UserError(f"ddim: noise level {sigma_scaled:.3g} of the data range is above the EDM schedule's "
                            f"sigma_max {schedule.t_max:g}")
        if sigma_scaled <= SIGMA_MIN:
            notes["warning"] = f"noise level at most {SIGMA_MIN} of the data range: the input is returned as it is"

        def one_slice(image: np.ndarray, slice_ctx: RunContext) -> np.ndarray:
            y = torch.from_numpy(image[None]).to(ctx.device)
            if prior_channels == 1:
                y = y.transpose(0, 1)  # the channels as a batch of grayscale images
            x0 = restore(y, prior, sampler, schedule, sigma_scaled, config["steps"], generator=slice_ctx.generator(),
                         progress=slice_ctx.show_progress)
            if prior_channels == 1:
                x0 = x0.transpose(0, 1)
            return x0[0].cpu().numpy() * scale + low

        with ctx.stage("sample"):
            out = for_each_slice(ctx, scaled, one_slice, "ddim: slices")

        return PipelineResult(stacked.restore(out, sample, config["clip"]), notes=notes)
