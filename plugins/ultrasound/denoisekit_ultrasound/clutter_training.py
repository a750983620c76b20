"""Training of ``ultrasound/clutter-filter3d`` (Tabassian et al., arXiv 2401.13147, Sec. II-C: MSE between the
filtered and the clutter-free sequence, Adam). ``loss``: ``"db"``, the paper's MSE on the [0, 1] B-mode images, or
``"envelope"``, the MSE of the envelopes ``10^(60 (u - 1) / 20)`` (relative to the cluttered peak), which weighs
the bright speckle that sets the image's peak by its echo amplitude instead of its dB. ``tail_weight`` adds
:func:`tail_loss`, an L1 between the top ``tail_fraction`` of each crop frame's sorted dB values in the output and
in the clean target: the 1-D Wasserstein-1 distance of the two dB histograms restricted to their upper tail (the
whole histogram at fraction 1), which sets the level of the brightest pixels, where the B-mode normalisation
reads the image's peak. ``init`` starts from earlier weights (fine-tuning). Data: ``DATA/hazy/`` and
``DATA/clean/``, the same file names in both (zea sequences, or DICOM multi-frame B-mode), e.g. ``us-clutter-seq``
(:mod:`.clutter_data`). Each pair becomes B-mode frames in [0, 1]: dB (60 dB range) against the cluttered
sequence's peak for RF/IQ, so that input and target share one scale; grey levels over the cluttered file's top for
DICOM. Batches are random (frames, patch, patch) crops of whole sequences (at most ``frames`` frames) with lateral
flips."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from denoisekit.api import FitResult, InputError, Trainer, TrainingData, load_weights
from denoisekit_ultrasound.transforms import DYNAMIC_RANGE, log_compress


def unit_pair(hazy, clean) -> tuple[np.ndarray, np.ndarray]:
    """(T, z, x) float32 frames in [0, 1] of a cluttered sample and its clean reference, on the cluttered one's
    scale."""
    from denoisekit_ultrasound.bmode import bmode_of

    b = bmode_of(hazy)
    if b.analytic is None:
        ref = np.asarray(clean.array, np.float64).reshape(b.frames.shape) / b.high
    else:
        ref = (log_compress(np.abs(bmode_of(clean).analytic), DYNAMIC_RANGE, b.peak) + DYNAMIC_RANGE) / DYNAMIC_RANGE
    unit = (b.frames - b.low) / (b.high - b.low)
    return unit.astype(np.float32), np.clip(ref, 0.0, 1.0).astype(np.float32)


def load_pairs(data: TrainingData) -> list[tuple[torch.Tensor, torch.Tensor]]:
    folder = Path(data.folder)
    if not (folder / "hazy").is_dir() or not (folder / "clean").is_dir():
        raise InputError(folder, "the training data need hazy/ and clean/ folders (the same file names in both)")
    pairs = []
    for path in data.files(folder / "hazy"):
        twin = folder / "clean" / path.name
        if not twin.is_file():
            raise InputError(path, f"no clean twin {twin} for this cluttered sequence")
        hazy, clean = data.read(path), data.read(twin)
        if hazy.array.shape != clean.array.shape:
            raise InputError(twin, f"shape {clean.array.shape} differs from the cluttered {hazy.array.shape}")
        x, y = unit_pair(hazy, clean)
        pairs.append((torch.from_numpy(x), torch.from_numpy(y)))
    if not pairs:
        raise InputError(folder / "hazy", f"no sequences in hazy/ (accepted: {', '.join(data.suffixes)})")
    return pairs


def crops(pairs, n: int, frames: int, patch: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` random (1, frames, patch, patch) crops of (cluttered, clean) pairs, flipped laterally at random
    (sequences shorter or smaller than the crop are padded by replication)."""
    xs, ys = [], []
    for _ in range(n):
        x, y = pairs[int(torch.randint(len(pairs), (1,), generator=g))]
        both = torch.stack([x, y])
        t, h, w = both.shape[1:]
        ft, ph, pw = min(frames, t), min(patch, h), min(patch, w)
        a = int(torch.randint(t - ft + 1, (1,), generator=g))
        z = int(torch.randint(h - ph + 1, (1,), generator=g))
        s = int(torch.randint(w - pw + 1, (1,), generator=g))
        crop = both[:, a:a + ft, z:z + ph, s:s + pw]
        if (ft, ph, pw) != (frames, patch, patch):
            crop = torch.nn.functional.pad(crop[None], (0, patch - pw, 0, patch - ph, 0, frames - ft),
                                           mode="replicate")[0]
        if bool(torch.randint(2, (1,), generator=g)):
            crop = crop.flip(-1)
        xs.append(crop[0:1])
        ys.append(crop[1:2])
    return torch.stack(xs), torch.stack(ys)


def pair_loss(out: torch.Tensor, target: torch.Tensor, kind: str) -> torch.Tensor:
    """MSE of two [0, 1] B-mode batches, on the dB images (``"db"``) or on their envelopes (``"envelope"``)."""
    if kind == "envelope":
        out, target = (10.0 ** ((v - 1.0) * DYNAMIC_RANGE / 20.0) for v in (out, target))
    return torch.nn.functional.mse_loss(out, target)


def tail_loss(out: torch.Tensor, target: torch.Tensor, fraction: float) -> torch.Tensor:
    """Mean over (crop, frame) of ``mean |q_out - q_target|`` over the top ``fraction`` of the frame's sorted
    values: the Wasserstein-1 distance of the two 1-D value distributions (Villani, "Optimal Transport", 2009,
    Remark 2.19: W1 of 1-D distributions is the L1 distance of their quantile functions) on their upper tail."""
    a, b = (v.flatten(-2).sort(dim=-1).values for v in (out, target))
    k = max(1, math.ceil(fraction * a.shape[-1]))
    return (a[..., -k:] - b[..., -k:]).abs().mean()


def initial_weights(path: str, model: torch.nn.Module, config: dict[str, Any]) -> None:
    """Load ``path`` (a weights.pt of this pipeline) into ``model``; its network options must be ``config``'s."""
    payload = load_weights(Path(path))
    mismatch = [k for k in ("filters", "levels", "upsample", "residual") if payload.get(k) != config[k]]
    if mismatch:
        raise InputError(path, f"init weights differ from the training options in {', '.join(mismatch)}")
    model.load_state_dict(payload["model"])


def fit(data: TrainingData, checkpoints: Path, config: dict[str, Any], ctx) -> FitResult:
    from denoisekit_ultrasound.clutter_net import ClutterUNet3D

    pairs = load_pairs(data)
    with torch.random.fork_rng(devices=[]):  # the starting weights follow --seed, not torch's global generator
        torch.manual_seed(ctx.seed)
        model = ClutterUNet3D(config["filters"], config["levels"], upsample=config["upsample"],
                              residual=config["residual"], dynamic_range=DYNAMIC_RANGE)
    if config["init"]:
        initial_weights(config["init"], model, config)
    if config["patch"] % model.multiple:
        raise InputError(data.folder, f"patch must be a multiple of {model.multiple} for {config['levels']} levels")
    per_epoch = 100

    def epoch(e: int):
        g = torch.Generator().manual_seed(ctx.seed * 100003 + e)
        return [crops(pairs, config["batch"], config["frames"], config["patch"], g) for _ in range(per_epoch)]

    def loss_fn(net, batch, generator):
        x, y = (v.to(ctx.device) for v in batch)
        out = net(x)
        loss = pair_loss(out, y, config["loss"])
        if config["tail_weight"]:
            loss = loss + config["tail_weight"] * tail_loss(out, y, config["tail_fraction"])
        return loss

    # an EMA over about the last 5 % of the steps (at most decay 0.995)
    decay = min(0.995, max(0.0, 1.0 - 20.0 / config["iterations"]))
    trainer = Trainer(model, loss_fn, lambda p: torch.optim.Adam(p, lr=config["lr"]), device=ctx.device,
                      seed=ctx.seed, ema_decay=decay, grad_clip=1.0, checkpoint_dir=checkpoints,
                      checkpoint_every=max(1, min(config["checkpoint_every"], config["iterations"])), progress=True)
    trainer.resume(checkpoints, missing_ok=True)  # `train --resume`: continue from the newest step-*.pt
    trainer.fit(epoch, config["iterations"])
    best = trainer.ema.module if trainer.ema is not None else trainer.module
    weights = {"model": {k: v.cpu() for k, v in best.state_dict().items()}, "filters": config["filters"],
               "levels": config["levels"], "upsample": config["upsample"], "residual": config["residual"],
               "steps": config["iterations"]}
    losses = [round(loss, 6) for _, loss in trainer.history[-10:]]
    identity = float(np.mean([pair_loss(x, y, config["loss"]).item() for x, y in pairs]))
    return FitResult(weights, notes={"sequences": len(pairs), "input_mse": round(identity, 6),
                                     "last_losses": losses})
