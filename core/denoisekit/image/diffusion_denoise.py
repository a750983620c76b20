"""Denoising with a diffusion prior: the ``image/ddim`` pipeline.

The prior is a blind bias-free CNN denoiser ``D`` (Mohan et al., ICLR 2020; the prior network of
Kadkhodaie et al., ICLR 2024) trained for Gaussian noise of every level in [0, 0.4] on the [0, 1]
scale (``benchmarks/train_image_prior.py``). A noisy image ``y = x0 + sigma_y eps`` is exactly a
draw of the EDM forward process ``x_t = x0 + t eps`` (Karras et al., NeurIPS 2022) at
``t = sigma_y``. So the reverse process is started at ``x_T = y`` on the EDM schedule with
``sigma_max = sigma_y`` and run by any registered sampler down to ``sigma_min``, and the sampler's
final Tweedie step gives the estimate. With ``steps = 0`` the estimate is the single evaluation
``D(y, sigma_y) = E[x0 | y]``, the MMSE estimate.

The noise level is given in the image's units or estimated with the median absolute deviation of
the finest diagonal wavelet (Haar HH) coefficients, ``sigma = median(|HH|) / 0.6745`` with
``HH = (a - b - c + d) / 2`` over the non-overlapping 2x2 blocks ``[[a, b], [c, d]]`` (Donoho &
Johnstone, Biometrika 1994).
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
from denoisekit.image.slices import as_stack
from denoisekit.pipeline import RunContext
from denoisekit.sample import Sample

Tensor = torch.Tensor

SIGMA_MIN = 0.002  # the EDM schedule's lowest noise level on the [0, 1] scale (Karras et al.'s default)
MAD_TO_SIGMA = 0.6745  # the median of |N(0, 1)|
# The sampler options and the sampler parameter each one sets (passed only when not at its default).
SAMPLER_PARAMS = {"eta": "eta", "churn": "S_churn"}


def shipped_weights() -> Path:
    """The weights that ship with the package: ``denoisekit/image/weights/bf_cnn_gray.pt``."""
    return Path(__file__).resolve().parent / "weights" / "bf_cnn_gray.pt"


def estimate_sigma(images: np.ndarray | Tensor) -> float:
    """The noise standard deviation of ``images`` (..., H, W), pooled over every leading axis:
    ``median(|HH|) / 0.6745``, where ``HH = (a - b - c + d) / 2`` is the finest diagonal Haar
    coefficient of each non-overlapping 2x2 block (an odd last row or column is left out).

    For white Gaussian noise ``HH`` has the noise's standard deviation; the median makes the
    estimate robust to the few large coefficients of edges and texture. 0 for images under 2x2.
    """
    x = torch.as_tensor(np.asarray(images) if isinstance(images, np.ndarray) else images).double()
    h, w = (x.shape[-2] // 2) * 2, (x.shape[-1] // 2) * 2
    if h == 0 or w == 0:
        return 0.0
    x = x[..., :h, :w]
    hh = (x[..., 0::2, 0::2] - x[..., 0::2, 1::2] - x[..., 1::2, 0::2] + x[..., 1::2, 1::2]) / 2
    return float(hh.abs().median()) / MAD_TO_SIGMA


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


def make_sampler(name: str, **params: Any) -> Any:
    """The sampler registered as ``name`` (any plugin's), built with ``params``. An unknown name or
    a parameter the sampler does not take raises UserError (with a suggestion for the name)."""
    from denoisekit.manager import get_host

    record = get_host().component("register_samplers", name)
    try:
        return record.factory(**params)
    except TypeError as e:
        given = ", ".join(f"{k}={v!r}" for k, v in params.items())
        raise UserError(f"sampler {name!r} cannot be built with {given} ({e})") from None


@torch.no_grad()
def restore(y: Tensor, prior: torch.nn.Module, sampler: Any, sigma: float, steps: int, *,
            generator: torch.Generator | None = None, progress: bool = False) -> Tensor:
    """Denoise ``y`` (B, C, H, W) on the [0, 1] scale with noise level ``sigma`` (same scale).

    ``steps = 0``: ``D(y, sigma)``. Otherwise ``sampler`` runs ``steps`` steps of the EDM schedule
    from ``x_T = y`` at ``sigma_max = sigma`` down to ``SIGMA_MIN``. Noise at or below ``SIGMA_MIN``
    is left as it is.
    """
    from denoisekit.schedules import EDM

    if sigma <= SIGMA_MIN:
        return y.clone()
    if steps == 0:
        return prior(y, sigma)
    schedule = EDM(sigma_min=SIGMA_MIN, sigma_max=sigma)
    return sampler.sample(prior, schedule, y, steps=steps, generator=generator, progress=progress)


class DiffusionDenoise:
    """The ``image/ddim`` pipeline: every 2-D slice (axes other than H, W and C) is denoised by
    :func:`restore`; the channels of a colour image are denoised one by one by a grayscale prior
    (or together by a prior with as many channels)."""

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> Sample:
        where = sample.path or Path("<input>")
        x = sample.array
        stacked = as_stack(sample, "ddim")

        params = {"denoise_final": config["denoise_final"]}
        defaults = {"eta": 0.0, "churn": 0.0}
        params |= {SAMPLER_PARAMS[k]: config[k] for k in SAMPLER_PARAMS if config[k] != defaults[k]}
        sampler = make_sampler(config["sampler"], **params)
        with ctx.stage("load"):
            weights = Path(config["weights"]).expanduser() if config["weights"] else shipped_weights()
            prior = load_prior(weights, ctx.device)
        prior_channels = prior.net[0].in_channels

        stack, c = stacked.slices, stacked.slices.shape[1]
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
        ctx.notes.update({"sigma": sigma, "sigma_source": source, "sigma_scaled": sigma_scaled,
                          "sampler": config["sampler"], "steps": config["steps"]})
        if sigma_scaled <= SIGMA_MIN:
            ctx.notes["warning"] = f"noise level at most {SIGMA_MIN} of the data range: the input is returned as it is"

        out = np.empty_like(stack)
        single = stack.shape[0] == 1
        slices = range(stack.shape[0]) if single else ctx.progress(
            range(stack.shape[0]), "ddim: slices", total=stack.shape[0])
        with ctx.stage("sample"):
            for i in slices:
                y = torch.from_numpy(scaled[i : i + 1]).to(ctx.device)
                if prior_channels == 1:
                    y = y.transpose(0, 1)  # the channels as a batch of grayscale images
                x0 = restore(y, prior, sampler, sigma_scaled, config["steps"], generator=ctx.generator(i),
                             progress=single and ctx.show_progress)
                if prior_channels == 1:
                    x0 = x0.transpose(0, 1)
                out[i] = x0[0].cpu().numpy() * scale + low

        return stacked.restore(out, sample, config["clip"])
