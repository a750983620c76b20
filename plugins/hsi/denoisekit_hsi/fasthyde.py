"""FastHyDe-style denoising (Zhuang & Bioucas-Dias, "Fast hyperspectral image denoising and inpainting
based on low-rank and sparse representations", IEEE JSTARS 11(3), 2018, Sec. III, Algorithm 1), in
torch: noise whitening (non-i.i.d. mode), HySime subspace E, denoising of each eigen-image E^T Y with
a plug-in Gaussian denoiser, back-projection X = E Z. The paper's plug-in is BM3D (CPU only); here it is
the sliding-window DCT denoiser of :mod:`denoisekit_hsi.dct_denoiser`, which runs on the GPU.

HySime needs only the Gram matrix Y Y^T (:func:`denoisekit_hsi.hysime.hysime_gram`), so a cube given as
a numpy array or memory map is read in blocks of rows: one pass sums the Gram matrix, a second projects
onto the subspace, a third writes the output. Only the k eigen-images and the output are whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import numpy as np
import torch

from denoisekit_hsi.dct_denoiser import dct_denoise
from denoisekit_hsi.hysime import band_noise_std_gram, hysime_gram

T = TypeVar("T")
CHUNK_VALUES = 1 << 22  # float64 work on the cube goes this many values (32 MB) at a time


def _row_chunks(h: int, w: int, b: int, rows: int) -> Iterator[slice]:
    """Row slices of ``rows`` rows, or (``rows`` = 0) of as many rows as hold :data:`CHUNK_VALUES` values."""
    step = rows if rows > 0 else max(1, CHUNK_VALUES // (w * b))
    for start in range(0, h, step):
        yield slice(start, min(start + step, h))


def _row_blocks(cube: torch.Tensor | np.ndarray, rows: int,
                device: torch.device) -> Iterator[tuple[slice, torch.Tensor]]:
    """(row slice, float32 block (rows, W, B) on ``device``) over the cube, see :func:`_row_chunks`."""
    for part in _row_chunks(*cube.shape, rows):
        block = cube[part]
        if isinstance(block, np.ndarray):
            block = torch.from_numpy(np.ascontiguousarray(block, dtype=np.float32))
        yield part, block.to(device=device, dtype=torch.float32)


def fasthyde(cube: torch.Tensor | np.ndarray, k: int = 0, iid: bool = False, patch: int = 8,
             threshold: float = 2.7, wiener: bool = True,
             progress: Callable[[Iterable[T], str], Iterable[T]] | None = None, info: dict | None = None,
             sigma: torch.Tensor | None = None, rows: int = 0,
             device: torch.device | str | None = None) -> torch.Tensor | np.ndarray:
    """Denoise ``cube`` (H, W, B): a tensor (computed on its device, returns a tensor) or a numpy array /
    memmap (returns a float32 array; with ``rows`` > 0 read ``rows`` rows at a time onto ``device``, with
    ``rows`` = 0 moved whole to ``device``, without a copy when it is a C-ordered float32 array and the
    device is the CPU).

    ``k`` = 0 lets HySime pick the subspace dimension; ``iid`` assumes one noise level for every band (no
    whitening); ``sigma`` (B,) overrides the multiple-regression noise estimate. ``info`` (if given)
    receives the subspace dimension and the noise estimates. Besides the input and the output, the memory
    used is the k eigen-images and a few chunks of rows and of DCT patches.
    """
    h, w, b = cube.shape
    device = torch.device(device) if device is not None else (
        cube.device if isinstance(cube, torch.Tensor) else torch.device("cpu"))
    as_array = isinstance(cube, np.ndarray)
    if as_array and rows == 0:
        cube = torch.from_numpy(np.ascontiguousarray(cube, dtype=np.float32)).to(device)
    dtype = torch.float32 if as_array else cube.dtype
    gram = torch.zeros(b, b, dtype=torch.float64, device=device)
    for _, block in _row_blocks(cube, rows, device):
        y = block.reshape(-1, b).double()
        gram += y.T @ y
    if sigma is None:
        sigma = band_noise_std_gram(gram, h * w, iid)
    sigma64 = sigma.to(device=device, dtype=torch.float64)
    basis64 = hysime_gram(gram / torch.outer(sigma64, sigma64), h * w, k or None).basis
    basis, sig = basis64.float(), sigma64.float()
    eigen = torch.empty(basis.shape[1], h, w, device=device)
    for part, block in _row_blocks(cube, rows, device):
        eigen[:, part] = (basis.T @ (block.reshape(-1, b) / sig).T).reshape(-1, block.shape[0], w)
    steps = range(eigen.shape[0])
    denoised = torch.stack([dct_denoise(eigen[i:i + 1], 1.0, patch, threshold, wiener)[0]
                            for i in (progress(steps, "fasthyde: eigen-images") if progress else steps)])
    if info is not None:
        info.update(subspace_dimension=basis.shape[1], noise_std_mean=float(sig.mean()),
                    noise_std_min=float(sig.min()), noise_std_max=float(sig.max()))
    out: torch.Tensor | np.ndarray = (np.empty((h, w, b), np.float32) if as_array
                                      else torch.empty(h, w, b, device=device, dtype=dtype))
    for part in _row_chunks(h, w, b, rows):
        x = ((basis @ denoised[:, part].reshape(basis.shape[1], -1)) * sig[:, None]).T.reshape(-1, w, b)
        out[part] = x.cpu().numpy() if as_array else x.to(dtype)
    return out
