"""Training the ClearBuds-style cascade end to end with the core Trainer: random 16 kHz crops of clean/noisy
pairs, the loss ``-SNR(out, clean)`` on the final output plus half of it on the stage-1 output, each compared with
the clean speech delayed like the network (Chatterjee et al. 2022 train both stages on a time-domain loss; SNR,
not SI-SNR, so that the level comes out right).

Two-microphone training pairs are made from mono ones, for want of binaural recordings: the speaker is in front
(the same speech at both ears) and the noise arrives from the side, the second microphone getting it shifted by a
random whole delay of up to ``max_delay`` samples (0.5 ms, an ear-to-ear distance at 16 kHz). This is the
spatial cue ClearBuds' two microphones exploit; it is a much cruder scene than its recorded and simulated data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from denoisekit_speech.clearbuds import ClearBuds, ClearBudsConfig
from denoisekit_speech.sgmse_data import Pair, random_pair_crops

Tensor = torch.Tensor
FORMAT = "denoisekit-speech.clearbuds/1"


def snr_db(estimate: Tensor, reference: Tensor) -> Tensor:
    """Per-row ``10 log10(|s|^2 / |s - s_hat|^2)``."""
    eps = 1e-8
    return 10 * torch.log10((reference.square().sum(-1) + eps) / ((reference - estimate).square().sum(-1) + eps))


def two_mic(clean: Tensor, noisy: Tensor, generator: torch.Generator, max_delay: int = 8) -> Tensor:
    """``(B, 2, n)``: the noisy crop and a second microphone with the same speech and the noise shifted."""
    noise = noisy - clean
    shifts = torch.randint(-max_delay, max_delay + 1, (clean.shape[0],), generator=generator).tolist()
    second = torch.stack([c + torch.roll(z, s) for c, z, s in zip(clean, noise, shifts, strict=True)])
    return torch.stack([noisy, second], dim=1)


def multi_resolution_stft(estimate: Tensor, reference: Tensor, sizes: Sequence[int] = (256, 512, 1024)) -> Tensor:
    """Multi-resolution STFT loss (Yamamoto, Song & Kim, "Parallel WaveGAN", ICASSP 2020, Eqs. 1-3): per FFT size
    (hop a quarter of it, Hann window) the spectral convergence ``||S| - |S_hat||_F / ||S||_F`` plus the mean
    absolute log-magnitude difference, averaged over the sizes."""
    total = estimate.new_zeros(())
    for n in sizes:
        window = torch.hann_window(n, device=estimate.device)
        mag = [torch.stft(x, n, n // 4, window=window, return_complex=True).abs().clamp_min(1e-5)
               for x in (estimate, reference)]
        convergence = torch.linalg.norm(mag[1] - mag[0], dim=(-2, -1)) / torch.linalg.norm(mag[1], dim=(-2, -1))
        total = total + convergence.clamp_max(10.0).mean() + (mag[1].log() - mag[0].log()).abs().mean()
    return total / len(sizes)


def with_babble(clean: Tensor, noisy: Tensor, pairs: Sequence[Pair], share: float, generator: torch.Generator,
                talkers: tuple[int, int] = (3, 6), snr_db_range: tuple[float, float] = (0.0, 15.0)) -> Tensor:
    """``noisy`` with a ``share`` of its rows replaced by ``clean`` plus babble of 3 to 6 other training utterances
    (:func:`denoisekit_speech.simulate.babble`, their clean sides) at an SNR drawn in ``snr_db_range``."""
    from denoisekit_speech.simulate import add_noise, babble

    device = generator.device  # the trainer's generator lives on the training device
    out = noisy.clone()
    pick = torch.rand(clean.shape[0], generator=generator, device=device) < share
    utterances = [c for c, _ in pairs]
    for i in pick.nonzero().flatten().tolist():
        if clean[i].square().sum() == 0:
            continue
        n = int(torch.randint(talkers[0], talkers[1] + 1, (1,), generator=generator, device=device))
        noise = babble(utterances, clean.shape[-1], n, generator)
        snr = float(torch.empty(1, device=device).uniform_(*snr_db_range, generator=generator))
        out[i] = add_noise(clean[i], noise.to(clean), snr)
    return out


class CascadeLoss:
    """``-SNR`` of the output and ``-0.5 SNR`` of the stage-1 output on ``batch`` crops of ``seconds`` s, plus
    ``spectral`` times the output's multi-resolution STFT loss; a ``babble`` share of the crops gets its noise
    replaced by babble of other training utterances (:func:`with_babble`)."""

    def __init__(self, config: ClearBudsConfig, seconds: float, batch: int, rate: int = 16000, *,
                 spectral: float = 0.0, babble: float = 0.0):
        self.config, self.batch, self.spectral, self.babble = config, batch, spectral, babble
        self.length = max(config.block, int(seconds * rate) // config.block * config.block)

    def __call__(self, model: ClearBuds, pairs: Sequence[Pair], generator: torch.Generator) -> Tensor:
        c = self.config
        clean, noisy = random_pair_crops(pairs, self.length, self.batch, generator)
        if self.babble > 0:
            noisy = with_babble(clean, noisy, pairs, self.babble, generator)
        x = noisy[:, None] if c.mics == 1 else two_mic(clean, noisy, generator)
        out, stage1, _ = model(x)
        lag1 = c.window - c.stride
        target = clean[:, :self.length - c.delay]
        loss = -snr_db(out[:, c.delay:], target).mean()
        if self.spectral > 0:
            loss = loss + self.spectral * multi_resolution_stft(out[:, c.delay:], target)
        return loss - 0.5 * snr_db(stage1[:, lag1:], clean[:, :self.length - lag1]).mean()


def payload(model: ClearBuds) -> dict:
    return {"format": FORMAT, "config": model.config.to_dict(),
            "state": {k: v.detach().cpu() for k, v in model.state_dict().items()}}


def train(pairs: Sequence[Pair], *, mics: int, seconds: float, steps: int, batch: int, lr: float, ema_decay: float,
          device: torch.device | str, seed: int, checkpoints: Path | None = None,
          checkpoint_every: int | None = None, progress: bool = False, spectral: float = 0.0,
          babble: float = 0.0) -> dict:
    """Train the cascade on 16 kHz ``(clean, noisy)`` pairs until ``steps`` (resuming from ``checkpoints``);
    ``spectral`` and ``babble`` as in :class:`CascadeLoss`."""
    from denoisekit.api import Trainer

    config = ClearBudsConfig(mics=mics)
    data = [[(c.to(device), y.to(device)) for c, y in pairs]]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = ClearBuds(config)
    loss = CascadeLoss(config, seconds, batch, spectral=spectral, babble=babble)
    trainer = Trainer(model, loss, lambda p: torch.optim.Adam(p, lr=lr),
                      device=device, seed=seed, ema_decay=ema_decay, grad_clip=5.0, checkpoint_dir=checkpoints,
                      checkpoint_every=checkpoint_every, progress=progress)
    if checkpoints is not None:
        trainer.resume(checkpoints, missing_ok=True)
    trainer.fit(data, steps)
    return payload(trainer.ema.module)
