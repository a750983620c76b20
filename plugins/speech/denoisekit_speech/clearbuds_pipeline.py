"""``speech/clearbuds`` as a pipeline and ``denoisekit train speech/clearbuds --data DIR`` as its fit.

A mono file goes through the one-microphone network; a two-channel file through the two-microphone one (its
first channel is the reference microphone), and the enhanced speech is written to both channels. Any rate in:
the network runs at 16 kHz and the output is resampled back to the file's rate and length. The whole file runs
as one causal pass, which gives exactly what the frame-by-frame stream would (``clearbuds.stream``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from denoisekit.api import FitResult, InputError, Pipeline, PipelineResult, RunContext, Sample, TrainingData, as_audio
from denoisekit_speech.audio_format import full_scale
from denoisekit_speech.clearbuds import ClearBuds, ClearBudsConfig, enhance_offline
from denoisekit_speech.clearbuds_train import FORMAT
from denoisekit_speech.input_checks import check_speech
from denoisekit_speech.resample import from_model_rate, to_model_rate

RATE = 16000
WEIGHTS = Path(__file__).with_name("weights")
SHIPPED = {1: WEIGHTS / "clearbuds-1mic.pt", 2: WEIGHTS / "clearbuds-2mic.pt"}


def load_model(path: str | Path, device: torch.device | str = "cpu") -> ClearBuds:
    from denoisekit.api import load_weights

    payload = load_weights(path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError(path, f"not speech/clearbuds weights (expected a {FORMAT} payload)")
    model = ClearBuds(ClearBudsConfig(**payload["config"]))
    try:
        model.load_state_dict({k: v.float() for k, v in payload["state"].items()})
    except RuntimeError as e:
        raise InputError(path, f"weights do not fit the network ({str(e).splitlines()[0]})") from None
    return model.to(device).eval()


def run_clearbuds(sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
    view = as_audio(sample, "speech/clearbuds")
    scale = full_scale(sample.array.dtype)
    values = view.array.reshape(-1, view.array.shape[-1]) / scale  # (channels, samples), full-scale units
    check_speech(sample, values, max_channels=2)
    mics = 2 if values.shape[0] == 2 and config["two_mic"] else 1
    model = load_model(config[f"weights_{mics}mic"] or SHIPPED[mics], ctx.device)
    wave = torch.from_numpy(to_model_rate(values, sample.rate, RATE)).to(ctx.device)
    x = wave[None] if mics == 2 else wave[:, None]  # one two-mic stream, or each channel a one-mic stream
    start = time.perf_counter()
    with ctx.stage("clearbuds"), torch.no_grad():
        out = enhance_offline(model, x)
        out = (1 - config["mix"]) * out + config["mix"] * x[:, 0]  # keep some input: over-suppression costs ESTOI
    seconds = time.perf_counter() - start
    out = out.expand(values.shape[0], -1) if mics == 2 else out
    out = from_model_rate(out.cpu().numpy(), RATE, sample.rate, values.shape[-1])
    restored = view.restore(out.reshape(view.array.shape) * scale, sample, keep_dtype=True)
    c = model.config
    notes = {"rate": sample.rate, "model_rate": RATE, "microphones": mics,
             "latency_ms": 1000 * (c.delay + c.block) / RATE, "rtf": seconds / (wave.shape[-1] / RATE)}
    return PipelineResult(restored, notes=notes)


def clearbuds_pipeline() -> Pipeline:
    return run_clearbuds


def fit(data: TrainingData, checkpoints: Path, config: Mapping[str, Any], ctx: RunContext) -> FitResult:
    """Train on ``data.folder/train/{clean,noisy}`` (the sgmse layout) with the training options."""
    from denoisekit_speech.clearbuds_train import train
    from denoisekit_speech.sgmse_data import pair_files, read_pairs
    from denoisekit_speech.sgmse_pipeline import read_mono16k

    files = pair_files(data.folder, "train", tuple(data.suffixes))
    pairs = read_pairs(files, lambda p: read_mono16k(data, p))
    with ctx.stage("train"):
        weights = train(pairs, mics=config["mics"], seconds=config["seconds"], steps=config["iterations"],
                        batch=config["batch"], lr=config["lr"], ema_decay=config["ema"], device=ctx.device,
                        seed=ctx.seed, checkpoints=Path(checkpoints), checkpoint_every=config["checkpoint_every"],
                        progress=ctx.show_progress, spectral=config["spectral"], babble=config["babble"])
    seconds = float(np.sum([c.shape[-1] for c, _ in pairs])) / RATE
    return FitResult(weights, notes={"pairs": len(pairs), "seconds": round(seconds, 1), "mics": config["mics"]})
