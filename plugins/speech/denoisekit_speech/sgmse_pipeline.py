"""``speech/sgmse`` as a pipeline and ``denoisekit train speech/sgmse --data DIR`` as its fit.

Any rate in: every channel is resampled to 16 kHz, enhanced on its own in overlapping chunks (bounded memory on
long files) and resampled back to the file's rate and length. Weights: '' loads the shipped tiny network that
``checkpoint`` names (:data:`SHIPPED`), else a ``weights.pt`` written by ``denoisekit train speech/sgmse``. The
weights say which process they were trained for: OUVE (SGMSE+, the predictor-corrector sampler) or the Schroedinger
bridge (``--set process=sb-ve`` when training; its first-order ODE sampler, DDIM with ``eta = 0``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from denoisekit.api import (
    FitResult,
    InputError,
    Pipeline,
    PipelineResult,
    RunContext,
    Sample,
    TrainingData,
    UserError,
    as_audio,
)
from denoisekit_speech.audio_format import full_scale, to_float
from denoisekit_speech.input_checks import check_speech
from denoisekit_speech.resample import from_model_rate, resample, to_model_rate
from denoisekit_speech.sgmse import RATE, SpectrogramScore, build_model, enhance

SHIPPED = {  # --set checkpoint=NAME picks the shipped weights when --set weights is ''
    "denoise": Path(__file__).with_name("weights") / "sgmse-sb-denoise.pt",  # the bridge, speech-train
    "dereverb": Path(__file__).with_name("weights") / "sgmse-sb-dereverb.pt",  # the bridge, speech-reverb
    "denoise-ouve": Path(__file__).with_name("weights") / "sgmse-tiny.pt",  # SGMSE+ (OUVE), speech-train
}
FORMAT = "denoisekit-speech.sgmse/1"


PROCESS_SCHEDULES = {"ouve": {"theta": 1.5, "sigma_min": 0.05, "sigma_max": 0.5},  # SGMSE+'s OUVE
                     "sb-ve": {"k": 2.6, "c": 0.4}}  # Jukic et al.'s SB-VE


def read_payload(path: str | Path) -> dict:
    """A payload written by :func:`~denoisekit_speech.sgmse_train.payload` (weights-only load), checked, with its
    ``process`` ("ouve" for weights written before the bridge, which did not record one)."""
    from denoisekit.api import load_weights

    payload = load_weights(path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError(path, f"not speech/sgmse weights (expected a {FORMAT} payload)")
    payload = {"process": "ouve", **payload}
    if payload["process"] not in PROCESS_SCHEDULES:
        raise InputError(path, f"weights for an unknown process {payload['process']!r}")
    return payload


def load_model(path: str | Path, schedule, device: torch.device | str = "cpu",
               payload: dict | None = None) -> SpectrogramScore:
    """The network of the payload at ``path`` (read again unless given) on ``schedule``."""
    payload = read_payload(path) if payload is None else payload
    model = build_model(payload["size"], schedule, payload["process"])
    try:
        model.net.load_state_dict({k: v.float() for k, v in payload["state"].items()})
    except RuntimeError as e:
        first = str(e).splitlines()[0]
        raise InputError(path, f"weights do not fit the {payload['size']!r} network ({first})") from None
    return model.to(device).eval()


def check_options(config: Mapping[str, Any]) -> None:
    """The chunks must advance: ``overlap_s`` below ``chunk_s``."""
    if config["overlap_s"] >= config["chunk_s"]:
        raise UserError(f"overlap_s ({config['overlap_s']:g}) must be below chunk_s ({config['chunk_s']:g})")


def run_sgmse(sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
    view = as_audio(sample, "speech/sgmse")
    scale = full_scale(sample.array.dtype)
    values = view.array.reshape(-1, view.array.shape[-1]) / scale  # (channels, samples), full-scale units
    check_speech(sample, values, max_channels=2)
    path = config["weights"] or SHIPPED[config["checkpoint"]]
    payload = read_payload(path)
    process = payload["process"]
    schedule = ctx.schedule(process, **PROCESS_SCHEDULES[process])
    model = load_model(path, schedule, ctx.device, payload)
    sampler = ctx.sampler("pc", snr=config["snr"]) if process == "ouve" else ctx.sampler("ddim", eta=0.0)
    wave = torch.from_numpy(to_model_rate(values, sample.rate, RATE)).to(ctx.device)
    with ctx.stage("sgmse"):
        out = enhance(model, sampler, wave, steps=config["steps"], chunk_s=config["chunk_s"],
                      overlap_s=config["overlap_s"], generator=ctx.generator(),
                      progress=lambda items, n: ctx.progress(items, "speech/sgmse: chunks", n))
        out = (1 - config["mix"]) * out + config["mix"] * wave  # the output mix, a floor against over-suppression
    out = from_model_rate(out.cpu().numpy(), RATE, sample.rate, values.shape[-1])
    restored = view.restore(out.reshape(view.array.shape) * scale, sample, keep_dtype=True)
    nfe = 2 * config["steps"] + 1 if process == "ouve" else config["steps"] + 1
    notes = {"rate": sample.rate, "model_rate": RATE, "channels": int(values.shape[0]), "steps": config["steps"],
             "process": process, "nfe": nfe, "mix": config["mix"], "backbone": model.net.config.to_dict()}
    return PipelineResult(restored, notes=notes)


def sgmse_pipeline() -> Pipeline:
    return run_sgmse


def read_mono16k(data: TrainingData, path: Path) -> torch.Tensor:
    """One training file as a 16 kHz mono tensor (the first channel of a stereo file)."""
    sample = data.read(path)
    return torch.from_numpy(np.ascontiguousarray(resample(to_float(sample)[:, 0], sample.rate, RATE)))


def fit(data: TrainingData, checkpoints: Path, config: Mapping[str, Any], ctx: RunContext) -> FitResult:
    """Train on ``data.folder/train/{clean,noisy}`` (the sgmse layout) with the training options."""
    from denoisekit_speech.sgmse_data import pair_files, read_pairs
    from denoisekit_speech.sgmse_train import train

    files = pair_files(data.folder, "train", tuple(data.suffixes))
    pairs = read_pairs(files, lambda p: read_mono16k(data, p))
    process = config["process"]
    schedule = ctx.schedule(process, **PROCESS_SCHEDULES[process])
    with ctx.stage("train"):
        weights = train(pairs, size=config["size"], crop_frames=config["crop_frames"], steps=config["iterations"],
                        batch=config["batch"], lr=config["lr"], ema_decay=config["ema"], schedule=schedule,
                        device=ctx.device, seed=ctx.seed, checkpoints=Path(checkpoints),
                        checkpoint_every=config["checkpoint_every"], progress=ctx.show_progress, process=process,
                        babble=config["babble"])
    seconds = sum(c.shape[-1] for c, _ in pairs) / RATE
    return FitResult(weights, notes={"pairs": len(pairs), "seconds": round(seconds, 1), "size": config["size"],
                                     "process": process, "babble": config["babble"]})
