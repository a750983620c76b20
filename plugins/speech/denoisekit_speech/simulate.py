"""Degradations simulated on the device, per batch, in torch: noise at an exact SNR, pink noise, mains hum,
babble, room reverberation and resampling.

Tensors are (..., samples); every random draw takes a ``torch.Generator`` on the tensors' device. Room impulse
responses come from pyroomacoustics (image source method, J. B. Allen & D. A. Berkley, JASA 65(4), 1979) in a
shoe-box room whose wall absorption is set by the inverse Sabine formula for a target RT60; they are computed
once on the CPU and applied on the device with an FFT convolution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from denoisekit_speech.resample import resample_tensor as resample

__all__ = ["add_noise", "babble", "colored_noise", "direct_path", "mains_hum", "pink_noise", "resample",
           "reverberate", "room_impulse_response", "snr_db", "white_noise"]


def add_noise(clean: torch.Tensor, noise: torch.Tensor, snr_db: float | torch.Tensor) -> torch.Tensor:
    """``clean + g * noise`` with g such that 10 log10(P_clean / P_(g noise)) = ``snr_db`` exactly, powers being
    mean squares over the last axis (torchaudio.functional.add_noise); ``snr_db`` a number or one per signal."""
    import torchaudio.functional as AF

    snr = torch.as_tensor(snr_db, dtype=clean.dtype, device=clean.device).expand(clean.shape[:-1])
    return AF.add_noise(clean, noise, snr)


def snr_db(clean: torch.Tensor, noisy: torch.Tensor) -> torch.Tensor:
    """The SNR (dB) of ``noisy`` against ``clean`` over the last axis: 10 log10(sum clean^2 / sum (noisy-clean)^2)."""
    noise = noisy - clean
    return 10 * torch.log10(clean.pow(2).sum(-1) / noise.pow(2).sum(-1))


def white_noise(shape: Sequence[int], generator: torch.Generator, device: torch.device | str = "cpu") -> torch.Tensor:
    """Unit-variance Gaussian white noise."""
    return torch.randn(tuple(shape), generator=generator, device=device)


def colored_noise(shape: Sequence[int], exponent: float, generator: torch.Generator,
                  device: torch.device | str = "cpu") -> torch.Tensor:
    """Unit-variance Gaussian noise with power spectral density proportional to 1/f^exponent (1: pink,
    2: brown/red, 0: white), by shaping white noise's spectrum by f^(-exponent/2) (the DC bin set to zero)."""
    n = shape[-1]
    white = torch.randn(tuple(shape), generator=generator, device=device)
    spectrum = torch.fft.rfft(white)
    f = torch.fft.rfftfreq(n, device=device)
    weight = torch.zeros_like(f)
    weight[1:] = f[1:].pow(-exponent / 2)
    x = torch.fft.irfft(spectrum * weight, n=n)
    return x / x.std(dim=-1, keepdim=True).clamp_min(1e-12)


def pink_noise(shape: Sequence[int], generator: torch.Generator, device: torch.device | str = "cpu") -> torch.Tensor:
    """Unit-variance pink (1/f) noise."""
    return colored_noise(shape, 1.0, generator, device)


def mains_hum(length: int, rate: float, *, mains: float = 50.0, harmonics: int = 5, decay: float = 0.6,
              generator: torch.Generator | None = None, device: torch.device | str = "cpu") -> torch.Tensor:
    """Unit-variance mains hum: the ``mains`` frequency (50 or 60 Hz) and its odd and even harmonics up to
    ``harmonics``, the k-th at amplitude ``decay**(k-1)``, with random phases (from ``generator``)."""
    t = torch.arange(length, device=device, dtype=torch.float32) / rate
    phases = (torch.rand(harmonics, generator=generator, device=device) if generator is not None
              else torch.zeros(harmonics, device=device)) * 2 * math.pi
    x = torch.zeros(length, device=device)
    for k in range(1, harmonics + 1):
        if k * mains < rate / 2:
            x = x + decay ** (k - 1) * torch.sin(2 * math.pi * k * mains * t + phases[k - 1])
    return x / x.std().clamp_min(1e-12)


def babble(utterances: Sequence[torch.Tensor], length: int, talkers: int, generator: torch.Generator) -> torch.Tensor:
    """Unit-variance babble of ``length`` samples: ``talkers`` utterances drawn from ``utterances`` (1-D tensors,
    each normalised to unit variance, repeated to cover ``length``, circularly shifted at random) summed."""
    device = utterances[0].device
    total = torch.zeros(length, device=device)
    picks = torch.randint(len(utterances), (talkers,), generator=generator, device=device).tolist()
    for i in picks:
        u = utterances[i]
        u = (u - u.mean()) / u.std().clamp_min(1e-12)
        u = u.repeat(-(-length // u.numel()))[:length]
        shift = int(torch.randint(length, (1,), generator=generator, device=device))
        total = total + torch.roll(u, shift)
    return total / total.std().clamp_min(1e-12)


def room_impulse_response(rate: float, rt60: float, *, room: Sequence[float] = (6.0, 5.0, 3.0),
                          source: Sequence[float] = (2.0, 3.5, 1.6), mic: Sequence[float] = (4.0, 1.5, 1.5),
                          max_order: int | None = None) -> np.ndarray:
    """The impulse response (float32, 1-D) from ``source`` to ``mic`` in a shoe-box ``room`` (metres) whose walls
    absorb so that Sabine's RT60 is ``rt60`` seconds (pyroomacoustics ``inverse_sabine``)."""
    import pyroomacoustics as pra

    absorption, order = pra.inverse_sabine(rt60, list(room))
    shoebox = pra.ShoeBox(list(room), fs=int(rate), materials=pra.Material(absorption),
                          max_order=order if max_order is None else max_order)
    shoebox.add_source(list(source))
    shoebox.add_microphone(list(mic))
    shoebox.compute_rir()
    return np.asarray(shoebox.rir[0][0], dtype=np.float32)


def reverberate(clean: torch.Tensor, rir: torch.Tensor) -> torch.Tensor:
    """``clean`` (..., samples) convolved with ``rir`` (1-D), cut to the input's length (FFT convolution)."""
    import torchaudio.functional as AF

    return AF.fftconvolve(clean, rir.to(clean))[..., : clean.shape[-1]]


def direct_path(rir: np.ndarray, rate: float, window_ms: float = 2.5) -> np.ndarray:
    """The RIR kept only within ``window_ms`` after its peak: the anechoic target for dereverberation."""
    peak = int(np.argmax(np.abs(rir)))
    out = np.zeros_like(rir)
    end = peak + int(window_ms * rate / 1000)
    out[:end] = rir[:end]
    return out
