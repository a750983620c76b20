"""``ultrasound/dehaze-diffusion``: dehazing by joint posterior sampling with two diffusion priors (Stevens, Meral,
Yu, Apostolakis, Robert, van Sloun, "Dehazing Ultrasound using Diffusion Models", IEEE TMI 2024, arXiv
2307.11204). The hazy frame is ``y = x + gamma h`` (tissue plus haze, Eq. 3); a tissue prior and a haze prior
(:mod:`.score_net`, trained by :mod:`.dehaze_training`) move ``x`` and ``h`` on the VE sigma^t SDE (sigma = 25)
with Euler-Maruyama, each step followed by consistency with ``y`` in the linear domain through the mu-law
companding (:mod:`.companded_joint`; ``lam``, ``kappa``, ``gamma`` = ``strength``). Sampling starts at
``t_start`` of the process from ``y`` plus noise (CCDF, tau = 160 of T = 200) and runs on overlapping 128 x 64
patches (:mod:`.patches`).

Data: IQ frames (RF through its analytic signal) divided by the frame's peak I/Q component and companded. The
B-mode path (DICOM, no RF or IQ) is an adaptation: the grey levels are read as dB (0..top -> -60..0 dB), the
envelope ``10^(dB / 20)`` gets a random phase (speckle phase is uniform) and is dehazed as IQ by the same
models; the result's envelope goes back to grey levels.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from denoisekit.api import (
    InputError,
    PipelineResult,
    RunContext,
    Sample,
    UserError,
    for_each_slice,
    load_weights,
    to_dtype,
)
from denoisekit_ultrasound.transforms import DYNAMIC_RANGE, log_compress, mu_law, mu_law_inverse

WEIGHTS = Path(__file__).parent / "weights" / "dehaze.pt"


def frames_iq(sample: Sample) -> np.ndarray:
    """(T, z, x) complex frames: zea IQ as it is, zea RF as its analytic signal along depth, DICOM B-mode grey
    levels as an envelope with zero phase (the pipeline draws the phase)."""
    if sample.axes == "THWC":
        data = np.asarray(sample.array, np.float64)
        if data.shape[-1] == 2:
            return data[..., 0] + 1j * data[..., 1]
        from scipy.signal import hilbert

        return hilbert(data[..., 0], axis=1)
    frames = np.asarray(sample.array, np.float64).reshape((-1, *sample.array.shape[-2:]))
    top = sample.data_range or float(frames.max()) or 1.0
    return (10.0 ** ((frames / top - 1.0) * DYNAMIC_RANGE / 20.0)).astype(np.complex128)


def load_models(path: str, device) -> tuple[torch.nn.Module, torch.nn.Module, dict]:
    from denoisekit_ultrasound.score_net import make_denoiser

    source = Path(path) if path else WEIGHTS
    if not path and not source.is_file():
        raise UserError(f"no shipped weights at {source}: train with denoisekit train ultrasound/dehaze-diffusion "
                        "and pass --set weights=OUTPUT/weights.pt")
    payload = load_weights(source)
    try:
        nets = []
        for name in ("tissue", "haze"):
            net = make_denoiser(int(payload["channels"]))
            net.load_state_dict(payload[name])
            nets.append(net.to(device).eval())
    except (KeyError, RuntimeError, TypeError) as exc:
        raise InputError(source, f"not dehaze-diffusion weights ({type(exc).__name__})") from None
    return nets[0], nets[1], payload


class DehazeDiffusion:
    def __call__(self, sample: Sample, config, ctx: RunContext) -> PipelineResult:
        from denoisekit_ultrasound.companded_joint import CompandedJointSampler
        from denoisekit_ultrasound.patches import PatchDenoiser

        tissue, haze, _ = load_models(config["weights"], ctx.device)
        iq = frames_iq(sample)
        bmode = sample.axes != "THWC"
        patch = (config["patch_rows"], config["patch_columns"])
        steps = max(1, round(config["steps"] * config["t_start"]))
        schedule = ctx.schedule("ve-sigma-t", sigma=25.0)

        def one(frame: np.ndarray, fctx: RunContext) -> np.ndarray:
            g = fctx.generator()
            if bmode:  # the adaptation: a random speckle phase
                phase = torch.rand(frame.shape, generator=g, device=g.device, dtype=torch.float64) * 2 * np.pi
                frame = frame * np.exp(1j * phase.cpu().numpy())
            parts = np.stack([frame.real, frame.imag])
            peak = float(np.abs(parts).max()) or 1.0
            y = torch.as_tensor(mu_law(parts / peak)[None], dtype=torch.float32, device=fctx.device)
            joint = CompandedJointSampler(PatchDenoiser(haze, patch, config["overlap"]), base=ctx.sampler(
                "euler-maruyama"), lam=config["lam"], kappa=config["kappa"], gamma=config["strength"],
                consistency="x0")
            sampler = ctx.sampler("ccdf", base=joint, t_start=config["t_start"])
            with torch.no_grad(), fctx.stage("sample"):
                out = sampler.sample(PatchDenoiser(tissue, patch, config["overlap"]), schedule,
                                     (1, 4, *frame.shape), y=y, steps=steps, generator=g)
            x_c, h_c = out.double().clamp(-1, 1).chunk(2, dim=1)
            x = mu_law_inverse(x_c)[0].cpu().numpy() * peak
            h = config["strength"] * mu_law_inverse(h_c)[0].cpu().numpy() * peak
            return np.stack([x[0] + 1j * x[1], h[0] + 1j * h[1]])

        with ctx.stage("dehaze"):
            both = for_each_slice(ctx, iq, one, "dehaze-diffusion: frames")
        tissue_iq, haze_iq = both[:, 0], both[:, 1]
        if bmode:
            top = sample.data_range or float(np.max(sample.array)) or 1.0
            db = log_compress(np.abs(tissue_iq), DYNAMIC_RANGE, peak=1.0)
            grey = (db / DYNAMIC_RANGE + 1.0) * top
            restored = sample.with_array(to_dtype(grey.reshape(sample.array.shape), sample.array.dtype))
        elif sample.array.shape[-1] == 2:
            restored = sample.with_array(np.stack([tissue_iq.real, tissue_iq.imag], -1).astype(sample.array.dtype))
        else:
            restored = sample.with_array(tissue_iq.real[..., None].astype(sample.array.dtype))
        restored = replace(restored, description=f"dehaze-diffusion strength={config['strength']:g}")
        haze_out = np.stack([haze_iq.real, haze_iq.imag], -1).astype(np.float32)
        return PipelineResult(restored, extras={"haze": haze_out}, notes={"steps": steps})
