"""Training SGMSE+'s score network (Richter et al., TASLP 2023, Sec. IV-C) with the core Trainer: random crops
of ``crop_frames`` STFT frames (the paper: 256, about 2 s), each crop divided by its noisy peak, denoising score
matching weighted by ``sigma^2`` (Eq. 7, :func:`~denoisekit_speech.sgmse.dsm_loss`; data prediction for the
Schroedinger bridge), Adam, EMA of the weights (0.999 in the paper). Optionally a share of the crops gets babble of
other training utterances, or of a pool of real talkers, in place of its noise
(:func:`~denoisekit_speech.clearbuds_train.with_babble`, :func:`pool_mixtures`), and a share takes a pool talker as
its clean speech. Every
random draw comes from the trainer's generator, so a resumed run continues exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from denoisekit_speech.backbone import SIZES
from denoisekit_speech.clearbuds_train import with_babble
from denoisekit_speech.sgmse import SpectrogramScore, build_model, dsm_loss
from denoisekit_speech.sgmse_data import Pair, random_pair_crops

Tensor = torch.Tensor


class ScoreMatchingLoss:
    """``dsm_loss`` on ``batch`` random crops of the training pairs (a callable for the core Trainer); a ``babble``
    share of the crops has its noise replaced by babble of 3 to 6 other training utterances at 0 to 15 dB.

    With a ``pool`` of talkers (1-D 16 kHz tensors, e.g. speech-talkers' train split) the babble is made of the
    pool's talkers instead, and a ``targets`` share of the crops takes a crop of a pool talker (drawn uniformly) as
    its clean speech, under the noise of the training pair it replaces at an SNR drawn in [-5, 15] dB; such a
    crop's babble never holds its own talker."""

    def __init__(self, crop_frames: int, batch: int, hop: int = 128, babble: float = 0.0,
                 pool: Sequence[Tensor] = (), targets: float = 0.0):
        self.length, self.batch, self.babble = (crop_frames - 1) * hop, batch, babble
        self.pool, self.targets = list(pool), targets
        if targets > 0 and len(self.pool) < 2:
            raise ValueError("targets from the talker pool need at least two talkers")

    def __call__(self, model: SpectrogramScore, pairs: Sequence[Pair], generator: torch.Generator) -> Tensor:
        clean, noisy = random_pair_crops(pairs, self.length, self.batch, generator)
        if self.pool:
            clean, noisy = pool_mixtures(clean, noisy, self.pool, self.babble, self.targets, generator)
        elif self.babble > 0:
            noisy = with_babble(clean, noisy, pairs, self.babble, generator)
        peak = noisy.abs().amax(dim=-1, keepdim=True).clamp_min(1e-8)
        spec = model.spec
        return dsm_loss(model, spec.forward(clean / peak), spec.forward(noisy / peak), generator)


def pool_mixtures(clean: Tensor, noisy: Tensor, pool: Sequence[Tensor], babble_share: float, target_share: float,
                  generator: torch.Generator, snr_range: tuple[float, float] = (-5.0, 15.0),
                  babble_snr: tuple[float, float] = (0.0, 15.0)) -> Pair:
    """``(clean, noisy)`` crops with a ``target_share`` of rows re-made from a random crop of a pool talker under the
    row's own noise (``noisy - clean``) at an SNR in ``snr_range``, then a ``babble_share`` of rows whose noise is
    babble of 3 to 6 pool talkers (:func:`denoisekit_speech.simulate.babble`, a row's own talker excluded) at an
    SNR in ``babble_snr``."""
    from denoisekit_speech.simulate import add_noise, babble

    device = generator.device
    clean, noisy = clean.clone(), noisy.clone()
    n, length = clean.shape
    own: list[int | None] = [None] * n
    for i in range(n):
        if float(torch.rand(1, generator=generator, device=device)) >= target_share:
            continue
        k = int(torch.randint(len(pool), (1,), generator=generator, device=device))
        speech = _crop(pool[k], length, generator).to(clean)
        noise = noisy[i] - clean[i]
        if speech.square().sum() == 0 or noise.square().sum() == 0:
            continue
        snr = float(torch.empty(1, device=device).uniform_(*snr_range, generator=generator))
        clean[i], noisy[i], own[i] = speech, add_noise(speech, noise, snr), k
    for i in range(n):
        if float(torch.rand(1, generator=generator, device=device)) >= babble_share or clean[i].square().sum() == 0:
            continue
        others = [_crop(u, length, generator) for k, u in enumerate(pool) if k != own[i]]
        talkers = int(torch.randint(3, 7, (1,), generator=generator, device=device))
        noise = babble(others, length, talkers, generator)
        snr = float(torch.empty(1, device=device).uniform_(*babble_snr, generator=generator))
        noisy[i] = add_noise(clean[i], noise.to(clean), snr)
    return clean, noisy


def _crop(u: Tensor, length: int, generator: torch.Generator) -> Tensor:
    """A random ``length``-sample crop of ``u`` (zero-padded at the end when ``u`` is shorter)."""
    start = int(torch.randint(max(1, u.numel() - length + 1), (1,), generator=generator, device=generator.device))
    return torch.nn.functional.pad(u[start:start + length], (0, max(0, length - u.numel() + start)))


def payload(model: SpectrogramScore, size: str) -> dict:
    """What ``--set weights=PATH`` loads: the backbone size, the process it was trained for and its weights."""
    return {"format": "denoisekit-speech.sgmse/1", "size": size, "process": model.process,
            "state": {k: v.detach().cpu() for k, v in model.net.state_dict().items()}}


def train(pairs: Sequence[Pair], *, size: str, crop_frames: int, steps: int, batch: int, lr: float,
          ema_decay: float, schedule, device: torch.device | str, seed: int, checkpoints: Path | None = None,
          checkpoint_every: int | None = None, progress: bool = False, process: str = "ouve",
          babble: float = 0.0) -> dict:
    """Train a ``size`` network for ``process`` (on ``schedule``) on 16 kHz ``(clean, noisy)`` pairs until ``steps``
    (resuming from ``checkpoints``) and return the EMA network's payload; ``babble`` as in
    :class:`ScoreMatchingLoss`."""
    from denoisekit.api import Trainer

    if size not in SIZES:
        raise ValueError(f"unknown backbone size {size!r}; known: {', '.join(SIZES)}")
    data = [[(c.to(device), y.to(device)) for c, y in pairs]]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model(size, schedule, process)
    trainer = Trainer(model, ScoreMatchingLoss(crop_frames, batch, babble=babble),
                      lambda p: torch.optim.Adam(p, lr=lr),
                      device=device, seed=seed, ema_decay=ema_decay, checkpoint_dir=checkpoints,
                      checkpoint_every=checkpoint_every, progress=progress)
    if checkpoints is not None:
        trainer.resume(checkpoints, missing_ok=True)
    trainer.fit(data, steps)
    return payload(trainer.ema.module, size)
