"""SGMSE+: score-based speech enhancement in the complex STFT domain (Richter, Welker, Lemercier, Lay,
Gerkmann, IEEE/ACM TASLP 2023).

The clean compressed spectrogram ``x0`` is diffused by the OUVE SDE towards the noisy one ``y``
(core schedule ``ouve``); a score network ``s(x_t, y, t)`` is trained by denoising score matching
(Eq. 7, weighted by ``sigma(t)^2``): with ``x_t = mean_t(x0, y) + sigma(t) z``, the loss
``|sigma(t) s + z|^2`` for ``t ~ U(t_eps, 1)``. The network outputs a noise estimate ``eps`` and the
score is ``-eps / sigma(t)``, where ``sigma(t)^2`` is the marginal variance of each real coordinate
(the core's complex convention: real and imaginary parts each carry that variance). Enhancement
starts at ``y + sigma(T) z`` and runs the core's predictor-corrector sampler (reverse diffusion +
annealed Langevin, Sec. III-C); its last step returns the Tweedie mean ``E[x0 | x_{t_eps}]``.

The Schroedinger-bridge variant (Jukic, Korostik, Balam & Ginsburg, "Schroedinger Bridge for Generative Speech
Enhancement", Interspeech 2024) keeps the representation and the network but replaces the process by the core's
``sb-ve`` bridge from ``x0`` to ``y`` and the target by the clean spectrogram itself (data prediction,
``|D(x_t, y, t) - x0|^2``); enhancement starts at ``y`` and runs the bridge's first-order ODE sampler (DDIM with
``eta = 0``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch import nn

from denoisekit_speech.backbone import SIZES, BackboneConfig, ScoreUNet
from denoisekit_speech.chunking import overlap_add
from denoisekit_speech.stft import SpecTransform, pad_frames, peak_normaliser

Tensor = torch.Tensor
RATE = 16000
T_EPS = 0.03


def _planes(z: Tensor) -> Tensor:
    """``(B, F, T)`` complex -> ``(B, 2, F, T)`` real."""
    return torch.view_as_real(z).permute(0, 3, 1, 2)


PROCESSES = ("ouve", "sb-ve")  # the process a network is trained for; its prediction follows from it


class SpectrogramScore(nn.Module):
    """The score of complex ``(B, F, T)`` spectrograms from ``ScoreUNet(cat(x, y), t)``.

    ``process="ouve"`` (SGMSE+): the network estimates the noise ``z`` and ``s = -z_hat / std(t)``.
    ``process="sb-ve"`` (the Schroedinger bridge): it estimates ``x0`` and ``s = (mean_t(x0_hat, y) - x) / std(t)^2``,
    the score of the Gaussian marginal around that estimate (Tweedie's formula read backwards).
    """

    def __init__(self, config: BackboneConfig, schedule, spec: SpecTransform | None = None, process: str = "ouve"):
        super().__init__()
        if process not in PROCESSES:
            raise ValueError(f"unknown process {process!r}; known: {', '.join(PROCESSES)}")
        self.spec = spec or SpecTransform()
        self.net = ScoreUNet(config, bins=self.spec.bins)
        self.schedule, self.process = schedule, process

    def std(self, t: Tensor) -> Tensor:
        """Per-coordinate marginal standard deviation ``scale(t) sigma(t)`` of the schedule."""
        return self.schedule.scale(t) * self.schedule.sigma(t)

    def output(self, x: Tensor, t: Tensor, y: Tensor) -> Tensor:
        """The network's estimate (of ``z`` for OUVE, of ``x0`` for the bridge), complex like ``x``."""
        out = self.net(torch.cat([_planes(x), _planes(y)], dim=1), t)
        return torch.view_as_complex(out.permute(0, 2, 3, 1).contiguous())

    def score(self, x: Tensor, t: float | Tensor, y: Tensor | None = None) -> Tensor:
        if y is None:
            raise ValueError("the SGMSE+ score is conditioned on the noisy spectrogram y")
        t = torch.as_tensor(t, dtype=x.real.dtype, device=x.device).reshape(-1).expand(x.shape[0])
        std = self.std(t)[:, None, None]
        if self.process == "ouve":
            return -self.output(x, t, y) / std
        mean = self.schedule.scale(t)[:, None, None] * self.output(x, t, y) + self.schedule.shift(t, y)
        return (mean - x) / std**2


def build_model(size: str | BackboneConfig, schedule, process: str = "ouve") -> SpectrogramScore:
    return SpectrogramScore(SIZES[size] if isinstance(size, str) else size, schedule, process=process)


def dsm_loss(model: SpectrogramScore, x0: Tensor, y: Tensor, generator: torch.Generator | None = None,
             t_eps: float = T_EPS) -> Tensor:
    """The training loss at ``x_t = mean_t(x0, y) + std(t) z``. OUVE: Eq. 7 weighted by ``sigma(t)^2``,
    ``mean |sigma(t) s + z|^2 = mean |z - z_hat|^2``, ``t ~ U(t_eps, 1)``. The bridge: data prediction,
    ``mean |x0_hat - x0|^2``, ``t ~ U(t_min, t_max)`` of its schedule."""
    schedule = model.schedule
    low, high = (t_eps, schedule.T) if model.process == "ouve" else (schedule.t_min, schedule.t_max)
    t = low + (high - low) * torch.rand(x0.shape[0], generator=generator, device=x0.device)
    z = torch.complex(torch.randn(x0.shape, generator=generator, device=x0.device),
                      torch.randn(x0.shape, generator=generator, device=x0.device))
    mean = schedule.scale(t)[:, None, None] * x0 + schedule.shift(t, y)
    x_t = mean + model.std(t)[:, None, None] * z
    target = z if model.process == "ouve" else x0
    return (model.output(x_t, t, y) - target).abs().square().mean()


def enhance_chunk(model: SpectrogramScore, sampler, wave: Tensor, *, steps: int,
                  generator: torch.Generator | None) -> Tensor:
    """Enhance ``(C, n)`` waveforms at 16 kHz that are already peak-normalised (one batch of C channels)."""
    spec = model.spec
    y = spec.forward(wave)
    frames = y.shape[-1]
    y = pad_frames(y, model.net.config.stride)
    x = sampler.sample(model, model.schedule, y.shape, y=y, steps=steps, generator=generator)
    return spec.inverse(x[..., :frames], wave.shape[-1])  # the padding frames would upset the overlap-add


def enhance(model: SpectrogramScore, sampler, wave: Tensor, *, steps: int, chunk_s: float, overlap_s: float,
            generator: torch.Generator | None = None,
            progress: Callable[[Iterator[int], int], Iterator[int]] | None = None) -> Tensor:
    """Enhance ``(C, n)`` 16 kHz audio in overlapping chunks of ``chunk_s`` seconds. The waveform is divided by
    the whole file's peak (SGMSE+'s normalisation) and scaled back, so every chunk sees the same gain."""
    norm = peak_normaliser(wave)
    chunk, overlap = int(round(chunk_s * RATE)), int(round(overlap_s * RATE))
    with torch.no_grad():
        out = overlap_add(wave * norm, lambda w: enhance_chunk(model, sampler, w, steps=steps, generator=generator),
                          chunk, overlap, progress)
    return out / norm
