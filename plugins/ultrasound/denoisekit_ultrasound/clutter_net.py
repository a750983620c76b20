"""The network of ``ultrasound/clutter-filter3d`` (Tabassian, Akbari, Queirós, D'hooge, "Deep spatiotemporal
clutter filtering of transthoracic echocardiographic images: leveraging contextual attention and residual
learning", arXiv 2401.13147, Sec. II-B and Fig. 2): a 3-D U-Net over (frames, z, x) whose pooling halves z and x
but keeps every frame (the paper's (2, 2, 1) max-pool), attention gates on the skip connections (Oktay et al.,
"Attention U-Net", MIDL 2018, Eq. 1-2: ``alpha = sigmoid(psi(relu(W_x x + W_g g)))``, the skip multiplied by
``alpha``) and an input-output residual: the output is the input plus the decoder's output, so the network
learns the clutter to subtract.

Two options of this implementation (the shipped weights use both; weights without them load as the first form):
- ``upsample``: ``"transpose"`` (the paper's transposed convolution) or ``"resize"``, nearest-neighbour
  upsampling followed by a 3x3 convolution, which cannot leave the transposed convolution's 2-pixel checkerboard
  (Odena, Dumoulin, Olah, "Deconvolution and checkerboard artifacts", Distill 2016).
- ``residual``: ``"free"`` (output = input + decoder output) or ``"gain"``: haze and clutter only add echo power,
  so the decoder's output ``s`` is an envelope gain ``sigmoid(s + 4)`` at most 1, i.e. a non-positive residual
  ``20 log10 sigmoid(s + 4) / dynamic_range`` on the [0, 1] dB image (about -0.16 dB at initialisation); or
  ``"negative"``: the same constraint as ``min(s, 0)``, whose gradient is 1 at the zero-initialised start (the
  gain form's is 0.018 there).

Each block is two 3x3x3 convolutions with batch normalisation and dropout 0.05, as in the paper; where the
paper's activation is linear this one is a leaky ReLU (a deviation for a network this small). The paper uses 4
levels of 16 to 128 filters on 128 x 128 x 50 inputs; the shipped model has 3 levels of 8 to 32 filters (about
80 k parameters) so that it trains on a CPU.
"""

from __future__ import annotations

import math

import torch
from torch import nn

GAIN_OFFSET = 4.0  # sigmoid(4) = 0.982: the gain form starts close to the identity


class Block(nn.Module):
    """Two (3x3x3 convolution, batch norm, leaky ReLU, dropout) layers."""

    def __init__(self, cin: int, cout: int, dropout: float = 0.05):
        super().__init__()
        layers: list[nn.Module] = []
        for c in (cin, cout):
            layers += [nn.Conv3d(c, cout, 3, padding=1), nn.BatchNorm3d(cout), nn.LeakyReLU(0.1),
                       nn.Dropout3d(dropout)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class AttentionGate(nn.Module):
    """Additive attention (Oktay et al. 2018, Eq. 1-2) of a skip ``x`` by the gating signal ``g`` (same size)."""

    def __init__(self, skip: int, gate: int, inner: int):
        super().__init__()
        self.wx, self.wg = nn.Conv3d(skip, inner, 1, bias=False), nn.Conv3d(gate, inner, 1)
        self.psi = nn.Conv3d(inner, 1, 1)

    def forward(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        alpha = torch.sigmoid(self.psi(torch.relu(self.wx(x) + self.wg(g))))
        return x * alpha


class ClutterUNet3D(nn.Module):
    """``(N, 1, frames, z, x)`` B-mode sequences in [0, 1] to the same, clutter removed. ``levels`` resolutions,
    ``filters`` features at the first, doubled per level; z and x must be divisible by ``2^(levels - 1)``.
    ``upsample`` and ``residual``: see the module's docstring; ``dynamic_range``: dB spanned by [0, 1]."""

    def __init__(self, filters: int = 8, levels: int = 3, dropout: float = 0.05, upsample: str = "transpose",
                 residual: str = "free", dynamic_range: float = 60.0):
        super().__init__()
        if upsample not in ("transpose", "resize") or residual not in ("free", "gain", "negative"):
            raise ValueError(f"unknown upsample {upsample!r} or residual {residual!r}")
        self.upsample, self.residual, self.dynamic_range = upsample, residual, dynamic_range
        widths = [filters * 2**i for i in range(levels)]
        pairs = zip([1, *widths[:-1]], widths, strict=True)
        self.down = nn.ModuleList(Block(cin, cout, dropout) for cin, cout in pairs)
        self.up = nn.ModuleList(_upsampler(w, w // 2, upsample) for w in widths[:0:-1])
        self.gates = nn.ModuleList(AttentionGate(w // 2, w // 2, max(w // 4, 1)) for w in widths[:0:-1])
        self.merge = nn.ModuleList(Block(w, w // 2, dropout) for w in widths[:0:-1])
        self.out = nn.Conv3d(widths[0], 1, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    @property
    def multiple(self) -> int:
        return 2 ** (len(self.down) - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips, h = [], x
        for i, block in enumerate(self.down):
            h = block(h if i == 0 else nn.functional.max_pool3d(h, (1, 2, 2)))
            skips.append(h)
        for up, gate, merge, skip in zip(self.up, self.gates, self.merge, skips[-2::-1], strict=True):
            g = up(h)
            h = merge(torch.cat([gate(skip, g), g], dim=1))
        if self.residual == "gain":
            db = 20.0 / math.log(10.0) * nn.functional.logsigmoid(self.out(h) + GAIN_OFFSET)
            return x + db / self.dynamic_range
        if self.residual == "negative":
            return x + self.out(h).clamp(max=0.0)
        return x + self.out(h)


def _upsampler(cin: int, cout: int, kind: str) -> nn.Module:
    """Doubles z and x: a (1, 2, 2) transposed convolution, or nearest-neighbour resize and a 3x3 convolution."""
    if kind == "transpose":
        return nn.ConvTranspose3d(cin, cout, (1, 2, 2), stride=(1, 2, 2))
    return nn.Sequential(nn.Upsample(scale_factor=(1, 2, 2), mode="nearest"),
                         nn.Conv3d(cin, cout, (1, 3, 3), padding=(0, 1, 1)))
