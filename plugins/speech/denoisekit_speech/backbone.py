"""An NCSN++-style U-Net score network for complex spectrograms (Song et al., ICLR 2021, App. H;
the SGMSE+ configuration of Richter et al., TASLP 2023, Sec. IV-B).

Input: ``cat(x_t, y)`` as four real channels (real and imaginary parts of the diffused state and of
the noisy observation), output: two real channels, read by :mod:`.sgmse` as the noise estimate. The
network follows NCSN++'s building blocks: BigGAN-style residual blocks with GroupNorm and SiLU, the
time added to every block through a Gaussian-Fourier embedding of ``log t`` and a two-layer MLP,
residual sums scaled by ``1/sqrt(2)``, skip connections concatenated on the way up, optional
self-attention at chosen resolutions and in the middle block. Resampling uses strided and
nearest-neighbour convolutions instead of NCSN++'s FIR filters, and there are no progressive
input/output branches: simpler, and what a 1-2 M-parameter CPU net can afford.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

Tensor = torch.Tensor


@dataclass(frozen=True)
class BackboneConfig:
    """Sizes of the U-Net; ``attn_resolutions`` are frequency-axis sizes (the input has ``bins`` rows)."""

    nf: int = 32
    ch_mult: tuple[int, ...] = (1, 2, 2, 2)
    num_res_blocks: int = 1
    attn_resolutions: tuple[int, ...] = ()
    mid_attention: bool = False
    dropout: float = 0.0
    fourier_scale: float = 16.0

    @property
    def stride(self) -> int:
        """Total down-sampling factor: the frame axis must be a multiple of it."""
        return 2 ** (len(self.ch_mult) - 1)

    def to_dict(self) -> dict:
        return asdict(self)


# the sizes the plugin knows: "tiny" runs on a CPU; "m" is NCSN++M (Lemercier et al., ICASSP 2023);
# "paper" is SGMSE+'s 65 M-parameter NCSN++ (nf 128, 7 levels, 2 blocks, attention at 16 rows)
SIZES: dict[str, BackboneConfig] = {
    "tiny": BackboneConfig(),
    "small": BackboneConfig(nf=64, mid_attention=True),
    "m": BackboneConfig(nf=128, ch_mult=(1, 2, 2, 2), num_res_blocks=1, mid_attention=True),
    "paper": BackboneConfig(nf=128, ch_mult=(1, 1, 2, 2, 2, 2, 2), num_res_blocks=2, attn_resolutions=(16,),
                            mid_attention=True),
}


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(32, max(1, channels // 4)), channels, eps=1e-6)


class FourierTime(nn.Module):
    """``[sin(2 pi W log t), cos(2 pi W log t)]`` with fixed ``W ~ N(0, scale^2)`` (Tancik et al. 2020)."""

    def __init__(self, size: int, scale: float):
        super().__init__()
        self.register_buffer("W", torch.randn(size, generator=torch.Generator().manual_seed(0)) * scale)

    def forward(self, t: Tensor) -> Tensor:
        proj = 2 * math.pi * torch.log(t)[:, None] * self.W[None, :]
        return torch.cat([proj.sin(), proj.cos()], dim=1)


class ResBlock(nn.Module):
    """GroupNorm-SiLU-conv, plus the time embedding, GroupNorm-SiLU-dropout-conv; ``(skip + h) / sqrt 2``."""

    def __init__(self, cin: int, cout: int, temb: int, dropout: float):
        super().__init__()
        self.norm1, self.conv1 = _norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(temb, cout)
        self.norm2, self.drop, self.conv2 = _norm(cout), nn.Dropout(dropout), nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity (NCSN++'s init_scale=0)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()
        self.act = nn.SiLU()

    def forward(self, x: Tensor, emb: Tensor) -> Tensor:
        h = self.conv1(self.act(self.norm1(x))) + self.temb(emb)[:, :, None, None]
        h = self.conv2(self.drop(self.act(self.norm2(h))))
        return (self.skip(x) + h) / math.sqrt(2.0)


class Attention(nn.Module):
    """Single-head self-attention over all positions (NCSN++'s AttnBlockpp), residual ``/ sqrt 2``."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm, self.qkv = _norm(channels), nn.Conv2d(channels, 3 * channels, 1)
        self.out = nn.Conv2d(channels, channels, 1)
        nn.init.zeros_(self.out.weight)

    def forward(self, x: Tensor) -> Tensor:
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).transpose(-1, -2).unbind(1)
        a = nn.functional.scaled_dot_product_attention(q, k, v)
        return (x + self.out(a.transpose(-1, -2).reshape(b, c, h, w))) / math.sqrt(2.0)


class ScoreUNet(nn.Module):
    """``forward(inp (B, 4, F, T), t (B,)) -> (B, 2, F, T)``; ``F`` and ``T`` multiples of ``config.stride``."""

    def __init__(self, config: BackboneConfig, bins: int = 256):
        super().__init__()
        self.config = config
        nf, temb = config.nf, 4 * config.nf
        self.time = nn.Sequential(FourierTime(nf, config.fourier_scale), nn.Linear(2 * nf, temb), nn.SiLU(),
                                  nn.Linear(temb, temb))
        self.head = nn.Conv2d(4, nf, 3, padding=1)
        self.down, self.up = nn.ModuleList(), nn.ModuleList()
        skips, ch, rows = [nf], nf, bins
        for level, mult in enumerate(config.ch_mult):
            for _ in range(config.num_res_blocks):
                self.down.append(ResBlock(ch, nf * mult, temb, config.dropout))
                ch = nf * mult
                if rows in config.attn_resolutions:
                    self.down.append(Attention(ch))
                skips.append(ch)
            if level < len(config.ch_mult) - 1:
                self.down.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))
                rows //= 2
                skips.append(ch)
        self.mid = nn.ModuleList([ResBlock(ch, ch, temb, config.dropout),
                                  Attention(ch) if config.mid_attention else nn.Identity(),
                                  ResBlock(ch, ch, temb, config.dropout)])
        for level, mult in reversed(list(enumerate(config.ch_mult))):
            for _ in range(config.num_res_blocks + 1):
                self.up.append(ResBlock(ch + skips.pop(), nf * mult, temb, config.dropout))
                ch = nf * mult
                if rows in config.attn_resolutions:
                    self.up.append(Attention(ch))
            if level > 0:
                self.up.append(nn.Sequential(nn.Upsample(scale_factor=2.0, mode="nearest"),
                                             nn.Conv2d(ch, ch, 3, padding=1)))
                rows *= 2
        self.tail = nn.Sequential(_norm(ch), nn.SiLU(), nn.Conv2d(ch, 2, 3, padding=1))

    def forward(self, inp: Tensor, t: Tensor) -> Tensor:
        emb = self.time(t)
        h = self.head(inp)
        hs = [h]
        for layer in self.down:
            h = layer(h, emb) if isinstance(layer, ResBlock) else layer(h)
            if not isinstance(layer, Attention):
                hs.append(h)
            else:
                hs[-1] = h
        for layer in self.mid:
            h = layer(h, emb) if isinstance(layer, ResBlock) else layer(h)
        for layer in self.up:
            h = layer(torch.cat([h, hs.pop()], dim=1), emb) if isinstance(layer, ResBlock) else layer(h)
        return self.tail(h)


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def gflop_per_evaluation(net: ScoreUNet, bins: int = 256, frames: int = 128) -> float:
    """GFLOP of one network evaluation on a ``bins x frames`` spectrogram (``torch.utils.flop_counter``;
    a multiply-add counts as 2 FLOP). 128 frames of hop 128 are about 1 s of 16 kHz audio."""
    from torch.utils.flop_counter import FlopCounterMode

    inp = torch.zeros(1, 4, bins, frames)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        net(inp, torch.full((1,), 0.5))
    return counter.get_total_flops() / 1e9
