"""Blind-spot masking: hide a few pixels from the network and score it on those pixels only.

J. Batson and L. Royer, "Noise2Self: Blind Denoising by Self-Supervision", ICML 2019; A. Krull, T.-O. Buchholz
and F. Jug, "Noise2Void - Learning Denoising from Single Noisy Images", CVPR 2019. For noise independent
across pixels, E||f(y_J^c)_J - y_J||^2 = E||f(y_J^c)_J - x_J||^2 + const when f sees y on J^c only, so the
masked loss

    L = sum_{j in J} |A f(A^H r_J(y)) - y|_j^2 / |J|

trains a denoiser; r_J replaces the masked entries. Here J holds one random position per block of ``cell``
pixels per side (Noise2Void's stratified sampling), the same for every channel. r_J puts in a masked entry
the value of a uniformly random neighbour (of 3^d - 1, reflected at the border) that is not masked itself:
Noise2Void's replacement, with the extra rule so that no masked value reappears next to its own position;
or zero (``replacement="zero"``, the splitting of undersampled MRI, SSDU: Yaman et al., MRM 2020). With an
``op`` the mask acts on the measurements. Inference is f(A^H y), the trained network used whole (not the
J-invariant average).
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F

from denoisekit.losses.base import Model, SelfSupervisedLoss, resolve_op
from denoisekit.noise import NoiseModel
from denoisekit.operators import ForwardOperator


def _upsample(t: torch.Tensor, cell: int, spatial: tuple[int, ...]) -> torch.Tensor:
    """Repeat every entry of the block grid ``t`` (B, 1, *counts) over its block, cropped to ``spatial``."""
    for axis in range(len(spatial)):
        t = t.repeat_interleave(cell, dim=2 + axis)
    return t[(..., *(slice(0, n) for n in spatial))]


def stratified_mask(y: torch.Tensor, cell: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """A boolean mask (B, 1, *spatial) with one uniformly random position in every ``cell``^d block."""
    b, spatial = y.shape[0], tuple(y.shape[2:])
    counts = [-(-n // cell) for n in spatial]
    mask = torch.ones((b, 1, *spatial), dtype=torch.bool, device=y.device)
    for axis, n in enumerate(spatial):
        offset = _upsample(torch.randint(0, cell, (b, 1, *counts), generator=generator, device=y.device), cell, spatial)
        local = (torch.arange(n, device=y.device) % cell).reshape((n,) + (1,) * (len(spatial) - 1 - axis))
        mask &= offset == local
    return mask


def _shifted(t: torch.Tensor, shift: tuple[int, ...]) -> torch.Tensor:
    """``t`` (B, C, *spatial, reflect-padded by 1) read at ``shift``: entry p holds the neighbour p + shift."""
    return t[(..., *(slice(1 + o, t.shape[2 + i] - 1 + o) for i, o in enumerate(shift)))]


def random_neighbours(y: torch.Tensor, mask: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Every entry of ``y`` (B, C, *spatial) replaced by one of its 3^d - 1 neighbours that ``mask`` (B, 1,
    *spatial) leaves out, drawn uniformly per position and the same for every channel; reflected at the border.

    Skipping masked neighbours keeps a masked value from reappearing next to its own position; a masked entry
    always has an unmasked neighbour in its own block, unless it is alone in a ragged border block (a side
    n % cell == 1), where a masked neighbour may be taken.
    """
    d = y.ndim - 2
    shifts = [s for s in itertools.product((-1, 0, 1), repeat=d) if any(s)]
    padded_y = F.pad(y, (1, 1) * d, mode="reflect")
    padded_mask = F.pad(mask.to(y.real.dtype), (1, 1) * d, mode="reflect")
    values = torch.stack([_shifted(padded_y, s) for s in shifts])
    masked = torch.stack([_shifted(padded_mask, s) for s in shifts]) > 0
    keys = torch.rand(masked.shape, generator=generator, device=y.device).masked_fill(masked, -1.0)
    choice = keys.argmax(dim=0, keepdim=True)
    return torch.gather(values, 0, choice.expand(1, *y.shape))[0]


class BlindSpot(SelfSupervisedLoss):
    """Masked-pixel loss (Noise2Self / Noise2Void) on (B, C, *spatial) data, 1-D to 3-D.

    ``cell``: one masked position per ``cell``^d block (fraction 1 / cell^d); ``replacement``:
    ``"neighbour"`` (a random neighbour's value) or ``"zero"``.
    """

    def __init__(self, cell: int = 4, replacement: str = "neighbour"):
        super().__init__()
        if cell < 2:
            raise ValueError(f"cell must be at least 2, got {cell}")
        if replacement not in ("neighbour", "zero"):
            raise ValueError(f"replacement is 'neighbour' or 'zero', got {replacement!r}")
        self.cell, self.replacement = cell, replacement

    def forward(self, model: Model, y: torch.Tensor, *, op: ForwardOperator | None = None,
                noise: NoiseModel | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        op = resolve_op(op)
        mask = stratified_mask(y, self.cell, generator)
        fill = random_neighbours(y, mask, generator) if self.replacement == "neighbour" else torch.zeros_like(y)
        out = op.A(model(op.A_adjoint(torch.where(mask, fill, y))))
        err = (out - y).abs().square() * mask
        return err.sum() / (mask.sum() * y.shape[1])
