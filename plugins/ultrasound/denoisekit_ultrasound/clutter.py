"""``ultrasound/clutter-filter3d``: deep spatiotemporal clutter filtering of B-mode sequences (Tabassian et al.,
arXiv 2401.13147): the B-mode frames scaled to [0, 1] (dB over a 60 dB range for zea RF/IQ, grey levels over
their top for DICOM, as the paper scales grey levels) go through :class:`.clutter_net.ClutterUNet3D` as one
(frames, z, x) volume; the result goes back to the input's form (:meth:`.bmode.BMode.restore`: for RF/IQ the
new envelope with the input's phase). Long sequences run in windows of 16 frames with 4 frames of context on
each side. Weights: ``weights/clutter3d.pt`` (trained by :mod:`.clutter_training`) or ``--set weights=...``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from denoisekit.api import InputError, PipelineResult, RunContext, Sample, UserError, load_weights
from denoisekit_ultrasound.bmode import BMode, bmode_of

WEIGHTS = Path(__file__).parent / "weights" / "clutter3d.pt"
MIN_FRAMES = 3
WINDOW, CONTEXT = 16, 4


def sequence_bmode(sample: Sample, pipeline: str) -> BMode:
    """The B-mode frames of a sequence, or a one-line error when it has fewer than :data:`MIN_FRAMES` frames."""
    b = bmode_of(sample)
    if len(b.frames) < MIN_FRAMES:
        raise InputError(sample.path or "<input>",
                         f"{pipeline} needs a sequence of at least {MIN_FRAMES} frames, got {len(b.frames)}")
    return b


def load_model(path: str, device) -> torch.nn.Module:
    from denoisekit_ultrasound.clutter_net import ClutterUNet3D

    source = Path(path) if path else WEIGHTS
    if not path and not source.is_file():
        raise UserError(f"no shipped weights at {source}: train with denoisekit train ultrasound/clutter-filter3d "
                        "and pass --set weights=OUTPUT/weights.pt")
    payload = load_weights(source)
    try:
        net = ClutterUNet3D(int(payload["filters"]), int(payload["levels"]),
                            upsample=payload.get("upsample", "transpose"), residual=payload.get("residual", "free"))
        net.load_state_dict(payload["model"])
    except (KeyError, RuntimeError, TypeError, ValueError) as exc:
        raise InputError(source, f"not clutter-filter3d weights ({type(exc).__name__})") from None
    return net.to(device).eval()


def filter_frames(net: torch.nn.Module, unit: np.ndarray, device) -> np.ndarray:
    """``unit`` (T, z, x) frames in [0, 1] through ``net`` (z, x padded by reflection to its multiple; windows of
    :data:`WINDOW` frames with :data:`CONTEXT` frames of context each side), clipped to [0, 1]."""
    t, nz, nx = unit.shape
    m = net.multiple
    pz, px = -nz % m, -nx % m
    padded = np.pad(unit, ((0, 0), (0, pz), (0, px)), mode="reflect")
    out = np.empty_like(padded, dtype=np.float32)
    with torch.no_grad():
        for start in range(0, t, WINDOW):
            lo, hi = max(0, start - CONTEXT), min(t, start + WINDOW + CONTEXT)
            x = torch.as_tensor(padded[lo:hi], dtype=torch.float32, device=device)[None, None]
            y = net(x)[0, 0].cpu().numpy()
            out[start:start + WINDOW] = y[start - lo:start - lo + min(WINDOW, t - start)]
    return np.clip(out[:, :nz, :nx], 0.0, 1.0)


class ClutterFilter3D:
    def __call__(self, sample: Sample, config, ctx: RunContext) -> PipelineResult:
        b = sequence_bmode(sample, "ultrasound/clutter-filter3d")
        net = load_model(config["weights"], ctx.device)
        span = b.high - b.low
        with ctx.stage("filter"):
            start = time.perf_counter()
            unit = filter_frames(net, (b.frames - b.low) / span, ctx.device)
            seconds = time.perf_counter() - start
        restored = replace(b.restore(b.low + unit * span), description="clutter-filter3d")
        return PipelineResult(restored, notes={"frames": len(unit), "frames_per_second": len(unit) / seconds})
