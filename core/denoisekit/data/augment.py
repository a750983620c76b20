"""Random crops and flips, drawn per sample and applied to the sample's tensors where they live.

A :class:`View` says where to cut a sample and which spatial axes to flip. The draws come from a
CPU generator seeded per batch, so no device has to be waited for (a crop needs host integers) and
the same seed gives the same views; the cut and the flips themselves run on the tensors' device,
and the batch is stacked from the cut views (one copy, of the patch only). Cutting before stacking
is 3 to 5 times faster on the CPU than stacking whole samples and gathering patches from the batch
(measured on 32 samples of 256x256 and of 64^3). :func:`random_crops` cuts a batch of crops from
sources already on the device, with every draw of the batch from one tensor of the caller's generator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class View:
    """A window ``starts`` + ``sizes`` on the spatial axes, then flips of the spatial ``flips`` axes."""

    starts: tuple[int, ...]
    sizes: tuple[int, ...]
    flips: tuple[int, ...] = ()

    def apply(self, t: torch.Tensor) -> torch.Tensor:
        """The window of ``t`` on its trailing spatial axes (a view unless flipped)."""
        out = t[(Ellipsis, *(slice(a, a + n) for a, n in zip(self.starts, self.sizes, strict=True)))]
        n = len(self.sizes)
        return out.flip([out.ndim - n + a for a in self.flips]) if self.flips else out


def random_view(size: Sequence[int], target: Sequence[int], flips: Sequence[int],
                generator: torch.Generator) -> View:
    """A window of ``min(size, target)`` at a uniform random offset, and each axis of ``flips`` with p = 1/2."""
    sizes = tuple(min(s, t) for s, t in zip(size, target, strict=True))
    starts = tuple(int(torch.randint(0, s - n + 1, (), generator=generator)) if s > n else 0
                   for s, n in zip(size, sizes, strict=True))
    flipped = tuple(a for a in flips if float(torch.rand((), generator=generator)) < 0.5)
    return View(starts, sizes, flipped)


def random_crops(sources: Sequence[torch.Tensor], size: Sequence[int], count: int, generator: torch.Generator,
                 flips: Sequence[int] = ()) -> torch.Tensor:
    """``count`` crops of ``size`` on the trailing axes, stacked to (count, ..., *size): each from a source
    drawn uniformly, at a uniform offset, with each axis of ``flips`` (spatial axes, as for :class:`View`)
    flipped with p = 1/2. For sources already on the device, e.g. whole volumes for 3-D patches.

    Every draw of a batch comes from one uniform (count, 1 + len(size) + len(flips)) tensor of ``generator``
    on its own device, so a device generator is waited for once per batch. Each source must be at least
    ``size`` on its trailing axes.
    """
    n = len(size)
    for s in sources:
        if any(a < b for a, b in zip(s.shape[-n:], size, strict=True)):
            raise ValueError(f"a source of shape {tuple(s.shape)} is smaller than the crop {tuple(size)}")
    u = torch.rand(count, 1 + n + len(flips), generator=generator, device=generator.device).cpu()
    crops = []
    for row in u:
        source = sources[min(int(row[0] * len(sources)), len(sources) - 1)]
        extent = source.shape[-n:]
        starts = tuple(min(int(r * (e - p + 1)), e - p) for r, e, p in zip(row[1:1 + n], extent, size, strict=True))
        flipped = tuple(a for a, r in zip(flips, row[1 + n:], strict=True) if r < 0.5)
        crops.append(View(starts, tuple(size), flipped).apply(source))
    return torch.stack(crops)
