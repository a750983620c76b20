"""Training of the two priors of ``ultrasound/dehaze-diffusion`` (Stevens et al. 2024, Sec. III-B): a tissue
and a haze score model, each trained by denoising score matching (Vincent 2011) on its own unpaired set, on the
VE sigma^t SDE (sigma = 25): ``t ~ U(t_min, 1)``, ``x_t = x + std(t) n``, loss ``lambda(std) |D(x_t) - x|^2``
(EDM weighting, :mod:`.score_net`). Data: the zea (or DICOM) files of ``DATA/tissue`` and ``DATA/haze``; each
frame's IQ divided by its own peak component and mu-law companded (mu = 255) to [-1, 1]; random patches with
lateral flips. Both networks train in one :class:`Trainer` (one step = one batch of each), with an EMA.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from denoisekit.api import FitResult, InputError, Trainer, TrainingData, VESigmaT
from denoisekit_ultrasound.score_net import loss_weight, make_denoiser
from denoisekit_ultrasound.transforms import mu_law


def companded_frames(sample) -> list[np.ndarray]:
    """(2, z, x) float32 companded IQ frames of a zea sample (RF: its analytic signal; DICOM B-mode: the
    envelope with zero phase, see :mod:`.dehaze`), each against its own peak component."""
    from denoisekit_ultrasound.dehaze import frames_iq

    out = []
    for iq in frames_iq(sample):
        parts = np.stack([iq.real, iq.imag])
        peak = float(np.abs(parts).max())
        if peak > 0:
            out.append(mu_law(parts / peak).astype(np.float32))
    return out


def _load(data: TrainingData, part: str) -> list[torch.Tensor]:
    folder = Path(data.folder) / part
    if not folder.is_dir():
        raise InputError(data.folder, f"the training data need a {part}/ folder (and tissue/ and haze/ both)")
    frames = [torch.from_numpy(f) for p in data.files(folder) for f in companded_frames(data.read(p))]
    if not frames:
        raise InputError(folder, f"no frames in {part}/ (accepted: {', '.join(data.suffixes)})")
    return frames


def _crops(frames: list[torch.Tensor], n: int, patch: int, g: torch.Generator) -> torch.Tensor:
    out = []
    for _ in range(n):
        f = frames[int(torch.randint(len(frames), (1,), generator=g))]
        ph, pw = min(patch, f.shape[1]), min(patch, f.shape[2])
        z = int(torch.randint(f.shape[1] - ph + 1, (1,), generator=g))
        x = int(torch.randint(f.shape[2] - pw + 1, (1,), generator=g))
        crop = f[:, z:z + ph, x:x + pw]
        if ph < patch or pw < patch:
            crop = torch.nn.functional.pad(crop[None], (0, patch - pw, 0, patch - ph), mode="replicate")[0]
        out.append(crop.flip(-1) if bool(torch.randint(2, (1,), generator=g)) else crop)
    return torch.stack(out)


def fit(data: TrainingData, checkpoints: Path, config: dict[str, Any], ctx) -> FitResult:
    tissue, haze = _load(data, "tissue"), _load(data, "haze")
    schedule = VESigmaT(sigma=25.0)
    with torch.random.fork_rng(devices=[]):  # the starting weights follow --seed, not torch's global generator
        torch.manual_seed(ctx.seed)
        model = torch.nn.ModuleDict({"tissue": make_denoiser(config["channels"]),
                                     "haze": make_denoiser(config["channels"])})
    batch, patch, per_epoch = config["batch"], config["patch"], 100

    def epoch(e: int):
        g = torch.Generator().manual_seed(ctx.seed * 100003 + e)
        return [(_crops(tissue, batch, patch, g), _crops(haze, batch, patch, g)) for _ in range(per_epoch)]

    def loss_fn(net, pair, generator):
        total = 0.0
        for name, x in zip(("tissue", "haze"), pair, strict=True):
            x = x.to(ctx.device)
            t = schedule.t_min + (1 - schedule.t_min) * torch.rand(x.shape[0], generator=generator, device=x.device)
            std = schedule.sigma(t).to(x.dtype)
            noisy = x + std[:, None, None, None] * torch.randn(x.shape, generator=generator, device=x.device)
            err = (net[name](noisy, std) - x) ** 2
            total = total + (loss_weight(std) * err.mean(dim=(1, 2, 3))).mean()
        return total

    trainer = Trainer(model, loss_fn, lambda p: torch.optim.Adam(p, lr=config["lr"]), device=ctx.device,
                      seed=ctx.seed, ema_decay=0.998, grad_clip=1.0, checkpoint_dir=checkpoints,
                      checkpoint_every=max(1, min(500, config["iterations"])), progress=True)
    trainer.fit(epoch, config["iterations"])
    best = trainer.ema.module if trainer.ema is not None else trainer.module
    weights = {"tissue": {k: v.cpu() for k, v in best["tissue"].state_dict().items()},
               "haze": {k: v.cpu() for k, v in best["haze"].state_dict().items()},
               "channels": config["channels"], "patch": patch, "steps": config["iterations"]}
    losses = [round(loss, 5) for _, loss in trainer.history[-10:]]
    return FitResult(weights, notes={"tissue_frames": len(tissue), "haze_frames": len(haze), "last_losses": losses})
