"""Patch inference with overlap (Stevens et al. 2024, Sec. III-D: 128 x 64 patches, 10 % overlap) for any
``Denoiser``: the sampler's state is the whole frame; at each call the frame is cut into overlapping patches
(their grid shifted by a few pixels from one call to the next, so seams never stay in one place: our form of
the paper's mask-shift trick, which keeps overlapping pixels of neighbouring patches equal at every step), the
network runs on all patches as one batch and the outputs are stitched back with a linear taper across each
overlap."""

from __future__ import annotations

import torch

from denoisekit.api import Denoiser


def _starts(size: int, patch: int, stride: int) -> list[int]:
    starts = list(range(0, max(size - patch, 0) + 1, stride))
    if starts[-1] + patch < size:
        starts.append(size - patch)
    return starts


def _taper(n: int, ramp: int, device, dtype) -> torch.Tensor:
    w = torch.ones(n, device=device, dtype=dtype)
    if ramp > 0:
        r = torch.arange(1, ramp + 1, device=device, dtype=dtype) / (ramp + 1)
        w[:ramp], w[-ramp:] = r, r.flip(0)
    return w


class PatchDenoiser(Denoiser):
    """``denoiser`` applied on ``patch`` = (rows, columns) patches overlapping by ``overlap`` of their size."""

    def __init__(self, denoiser: Denoiser, patch: tuple[int, int] = (128, 64), overlap: float = 0.1):
        super().__init__()
        self.denoiser, self.patch, self.overlap = denoiser, tuple(patch), overlap
        self.calls = 0

    def forward(self, x: torch.Tensor, sigma: float | torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        ph, pw = self.patch
        sh, sw = max(1, round(ph * (1 - self.overlap))), max(1, round(pw * (1 - self.overlap)))
        # the grid's shift this call (0 on the first), at most a stride
        dz, dx = (self.calls * 7) % sh, (self.calls * 5) % sw
        self.calls += 1
        H, W = max(h + dz, ph), max(w + dx, pw)
        padded = torch.nn.functional.pad(x, (dx, W - w - dx, dz, H - h - dz), mode="replicate")
        zs, xs = _starts(H, ph, sh), _starts(W, pw, sw)
        tiles = torch.stack([padded[:, :, z:z + ph, s:s + pw] for z in zs for s in xs], 1).flatten(0, 1)
        sig = torch.as_tensor(sigma, dtype=x.dtype, device=x.device).reshape(-1)
        sig = sig.repeat_interleave(len(zs) * len(xs)) if sig.numel() == b else sig.expand(tiles.shape[0])
        out = self.denoiser(tiles, sig).unflatten(0, (b, len(zs) * len(xs)))
        weight = _taper(ph, ph - sh, x.device, x.dtype)[:, None] * _taper(pw, pw - sw, x.device, x.dtype)[None]
        acc = torch.zeros_like(padded)
        norm = torch.zeros((1, 1, H, W), device=x.device, dtype=x.dtype)
        k = 0
        for z in zs:
            for s in xs:
                acc[:, :, z:z + ph, s:s + pw] += out[:, k] * weight
                norm[:, :, z:z + ph, s:s + pw] += weight
                k += 1
        return (acc / norm)[:, :, dz:dz + h, dx:dx + w]
