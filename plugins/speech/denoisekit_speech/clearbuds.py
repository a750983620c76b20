"""A ClearBuds-style causal cascade (Chatterjee et al., "ClearBuds: Wireless Binaural Earbuds for Learning-based
Speech Enhancement", MobiSys 2022, Sec. 4): a causal time-domain Conv-TasNet on one or two microphones
(Luo & Mesgarani, IEEE/ACM TASLP 2019, causal configuration: causal dilated depthwise convolutions and
per-frame channel normalisation) followed by a causal spectrogram mask network that cleans its output.

Everything is causal and runs in blocks with state, so streaming and whole-file processing are the same
computation. Output sample ``k`` is the estimate of clean sample ``k - delay`` and depends only on input
samples of its own block and earlier; ``delay = (L - S) + (n_fft - hop)`` comes from the encoder's overlap
(window ``L``, stride ``S``) and the STFT's overlap. The algorithmic latency is ``delay + block`` samples
(a block is the least common multiple of ``S`` and ``hop``): 16 + 192 + 64 samples = 17 ms at 16 kHz with
the default sizes. (torchaudio's ``ConvTasNet`` implements only the non-causal setting, with global layer
norm and centred convolutions, so the causal one is written here.)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

Tensor = torch.Tensor


class States:
    """Carried state of the causal layers, in call order: ``take()`` the old one (None: silence), ``put()`` the new."""

    def __init__(self, old: list[Tensor] | None):
        self.old, self.new, self._i = old, [], 0

    def take(self) -> Tensor | None:
        state = None if self.old is None else self.old[self._i]
        self._i += 1
        return state

    def put(self, state: Tensor) -> None:
        self.new.append(state)


def _history(states: States, like: Tensor, size: int) -> Tensor:
    """The last ``size`` samples before ``like`` along its last axis (zeros at the start)."""
    old = states.take()
    return like.new_zeros(*like.shape[:-1], size) if old is None else old


class ChannelNorm(nn.Module):
    """Layer norm over the channels of each frame on its own (causal, unlike Conv-TasNet's global norm)."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight, self.bias = nn.Parameter(torch.ones(channels, 1)), nn.Parameter(torch.zeros(channels, 1))

    def forward(self, x: Tensor) -> Tensor:
        var, mean = torch.var_mean(x, dim=1, keepdim=True, correction=0)
        return (x - mean) * torch.rsqrt(var + 1e-5) * self.weight + self.bias


class CausalConv1d(nn.Module):
    """``Conv1d`` whose output frame ``t`` sees input frames ``<= t``; carries the last ``(k - 1) d`` frames."""

    def __init__(self, cin: int, cout: int, kernel: int, dilation: int = 1, groups: int = 1):
        super().__init__()
        self.context = (kernel - 1) * dilation
        self.conv = nn.Conv1d(cin, cout, kernel, dilation=dilation, groups=groups)

    def forward(self, x: Tensor, states: States) -> Tensor:
        full = torch.cat([_history(states, x, self.context), x], dim=-1)
        states.put(full[..., full.shape[-1] - self.context:])
        return self.conv(full)


class TCNBlock(nn.Module):
    """Conv-TasNet's 1-D conv block: 1x1, PReLU, norm, causal depthwise dilated conv, PReLU, norm, 1x1 to the
    residual and skip paths."""

    def __init__(self, channels: int, hidden: int, kernel: int, dilation: int):
        super().__init__()
        self.inp = nn.Sequential(nn.Conv1d(channels, hidden, 1), nn.PReLU(), ChannelNorm(hidden))
        self.depthwise = CausalConv1d(hidden, hidden, kernel, dilation, groups=hidden)
        self.post = nn.Sequential(nn.PReLU(), ChannelNorm(hidden))
        self.res, self.skip = nn.Conv1d(hidden, channels, 1), nn.Conv1d(hidden, channels, 1)

    def forward(self, x: Tensor, states: States) -> tuple[Tensor, Tensor]:
        h = self.post(self.depthwise(self.inp(x), states))
        return x + self.res(h), self.skip(h)


@dataclass(frozen=True)
class ClearBudsConfig:
    """Sizes: ``mics`` inputs; Conv-TasNet's N (``features``), L (``window``), B (``bottleneck``), H
    (``hidden``), P (``kernel``), X (``layers``), R (``stacks``); the mask network's STFT and width."""

    mics: int = 1
    features: int = 128
    window: int = 32
    bottleneck: int = 64
    hidden: int = 128
    kernel: int = 3
    layers: int = 6
    stacks: int = 2
    n_fft: int = 256
    hop: int = 64
    mask_channels: int = 16
    mask_layers: int = 4

    @property
    def stride(self) -> int:
        return self.window // 2

    @property
    def block(self) -> int:
        return math.lcm(self.stride, self.hop)

    @property
    def delay(self) -> int:
        return (self.window - self.stride) + (self.n_fft - self.hop)

    def to_dict(self) -> dict:
        return asdict(self)


class CausalTasNet(nn.Module):
    """Stage 1: encoder (window L, stride S), causal TCN mask, decoder; output delayed by ``L - S`` samples."""

    def __init__(self, c: ClearBudsConfig):
        super().__init__()
        self.c = c
        self.encoder = nn.Conv1d(c.mics, c.features, c.window, stride=c.stride, bias=False)
        self.bottleneck = nn.Sequential(ChannelNorm(c.features), nn.Conv1d(c.features, c.bottleneck, 1))
        self.blocks = nn.ModuleList(TCNBlock(c.bottleneck, c.hidden, c.kernel, 2**i)
                                    for _ in range(c.stacks) for i in range(c.layers))
        self.mask = nn.Sequential(nn.PReLU(), nn.Conv1d(c.bottleneck, c.features, 1), nn.Sigmoid())
        self.decoder = nn.ConvTranspose1d(c.features, 1, c.window, stride=c.stride, bias=False)

    def forward(self, x: Tensor, states: States) -> Tensor:
        """``(B, mics, n)`` -> ``(B, n)``, ``n`` a multiple of the stride."""
        overlap = self.c.window - self.c.stride
        full = torch.cat([_history(states, x, overlap), x], dim=-1)
        states.put(full[..., full.shape[-1] - overlap:])
        w = torch.relu(self.encoder(full))
        h, skips = self.bottleneck(w), 0
        for block in self.blocks:
            h, s = block(h, states)
            skips = skips + s
        d = self.decoder(w * self.mask(skips))[:, 0]
        n = x.shape[-1]
        d = torch.cat([d[:, :overlap] + _history(states, d[:, :overlap], overlap), d[:, overlap:]], dim=-1)
        states.put(d[:, n:])
        return d[:, :n]


class CausalConv2d(nn.Module):
    """3x3 conv over (frequency, frame), causal along frames (dilation ``d``), same-padded along frequency."""

    def __init__(self, cin: int, cout: int, dilation: int):
        super().__init__()
        self.context = 2 * dilation
        self.conv = nn.Conv2d(cin, cout, 3, dilation=(1, dilation), padding=(1, 0))

    def forward(self, x: Tensor, states: States) -> Tensor:
        full = torch.cat([_history(states, x, self.context), x], dim=-1)
        states.put(full[..., full.shape[-1] - self.context:])
        return self.conv(full)


class SpectralMask(nn.Module):
    """Stage 2: a causal STFT (periodic Hann, ``n_fft``, ``hop``) of the stage-1 output and of the first
    microphone; log powers -> causal dilated 2-D convs -> a [0, 1] mask on the stage-1 spectrum; weighted
    overlap-add. Output delayed by ``n_fft - hop`` samples."""

    def __init__(self, c: ClearBudsConfig):
        super().__init__()
        self.c = c
        self.register_buffer("window", torch.hann_window(c.n_fft, periodic=True), persistent=False)
        self.convs = nn.ModuleList(CausalConv2d(2 if i == 0 else c.mask_channels, c.mask_channels, 2**i)
                                   for i in range(c.mask_layers))
        self.acts = nn.ModuleList(nn.PReLU(c.mask_channels) for _ in range(c.mask_layers))
        self.out = nn.Conv2d(c.mask_channels, 1, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.constant_(self.out.bias, 3.0)  # starts close to passing stage 1 through

    def forward(self, s1: Tensor, ref: Tensor, states: States) -> Tensor:
        """``(B, n)`` stage-1 output and reference microphone (aligned) -> ``(B, n)``, ``n`` a multiple of hop."""
        c, overlap, n = self.c, self.c.n_fft - self.c.hop, s1.shape[-1]
        x = torch.stack([s1, ref], dim=1)
        full = torch.cat([_history(states, x, overlap), x], dim=-1)
        states.put(full[..., full.shape[-1] - overlap:])
        spec = torch.fft.rfft(full.unfold(-1, c.n_fft, c.hop) * self.window, dim=-1)  # (B, 2, M, F)
        h = torch.log(spec.abs().square() + 1e-8).transpose(-1, -2)  # (B, 2, F, M)
        for conv, act in zip(self.convs, self.acts, strict=True):
            h = act(conv(h, states))
        mask = torch.sigmoid(self.out(h))[:, 0].transpose(-1, -2)  # (B, M, F)
        frames = torch.fft.irfft(spec[:, 0] * mask, n=c.n_fft, dim=-1) * self.window  # (B, M, n_fft)
        length = n + overlap
        ola = F.fold(frames.transpose(1, 2), (1, length), (1, c.n_fft), stride=(1, c.hop))[:, 0, 0]
        ola = torch.cat([ola[:, :overlap] + _history(states, ola[:, :overlap], overlap), ola[:, overlap:]], dim=-1)
        states.put(ola[:, n:])
        return ola[:, :n] / (self.window.square().sum() / c.hop)


class ClearBuds(nn.Module):
    """The cascade: ``forward(x (B, mics, n), states) -> (out, stage1, new_states)``; ``n`` a multiple of
    ``config.block``; ``out`` is delayed by ``config.delay`` samples, ``stage1`` by ``window - stride``."""

    def __init__(self, config: ClearBudsConfig):
        super().__init__()
        self.config = config
        self.wave = CausalTasNet(config)
        self.spectral = SpectralMask(config)

    def forward(self, x: Tensor, states: list[Tensor] | None = None) -> tuple[Tensor, Tensor, list[Tensor]]:
        c = self.config
        if x.shape[-1] % c.block:
            raise ValueError(f"ClearBuds takes blocks of a multiple of {c.block} samples, got {x.shape[-1]}")
        st = States(states)
        s1 = self.wave(x, st)
        lag = c.window - c.stride  # the reference microphone, delayed like stage 1's output
        ref = torch.cat([_history(st, x[:, 0], lag), x[:, 0]], dim=-1)
        st.put(ref[:, ref.shape[-1] - lag:])
        return self.spectral(s1, ref[:, :x.shape[-1]], st), s1, st.new


def enhance_offline(model: ClearBuds, x: Tensor) -> Tensor:
    """``(B, mics, n)`` -> ``(B, n)`` time-aligned: the input padded with zeros to cover the delay and a whole
    block, run in one pass, and the delay removed."""
    c, n = model.config, x.shape[-1]
    total = -(-(n + c.delay) // c.block) * c.block
    out = model(F.pad(x, (0, total - n)))[0]
    return out[:, c.delay:c.delay + n]


def stream(model: ClearBuds, x: Tensor, blocks: int = 1) -> Tensor:
    """Process ``(B, mics, n)`` ``blocks`` blocks at a time with carried state, as a live stream would
    (``n`` a multiple of the block); returns the delayed output ``(B, n)``."""
    step, states, outs = model.config.block * blocks, None, []
    for start in range(0, x.shape[-1], step):
        out, _, states = model(x[..., start:start + step], states)
        outs.append(out)
    return torch.cat(outs, dim=-1)
