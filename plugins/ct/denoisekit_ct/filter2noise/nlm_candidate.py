"""Non-local means as a candidate of the final choice of ``strength=sure`` (``nlm_candidate``); the benchmark's peer.

Non-local means (Buades, Coll & Morel, CVPR 2005; scikit-image ``denoise_nl_means``, fast mode) with 7 x 7
patches, search distance 11 and h = 1.8 sigma, sigma the standard deviation of the *noisy* slice in its most
uniform 32 x 32 window inside the body (:func:`denoisekit_ct.ct_metrics.uniform_window` on the input, no
reference involved): the peer of ``benchmarks/ct_filter2noise_heldout.py``, whose h factor was chosen on its
tuning set. SURE scores it as a black box (Ramani, Blu & Unser, IEEE TIP 2008, Thm. 2: the divergence by a finite
difference along the probe), with h held at the value measured on the input.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

NLM_PATCH = 7
NLM_DISTANCE = 11
NLM_H_PER_SIGMA = 1.8  # the benchmark's k, chosen on its tuning set (docs/benchmarks.md)
HU_LOW, HU_WIDTH = -1024.0, 4096.0  # the scale the benchmark's peer runs in (NLM is invariant to it, h scaled alike)


def flat_sigma(noisy_hu: np.ndarray) -> float:
    """Noise standard deviation (HU) of a 2-D noisy slice in its own most uniform 32 x 32 window in the body."""
    from denoisekit_ct.ct_metrics import uniform_window

    return float(np.std(noisy_hu[uniform_window(noisy_hu)].astype(np.float64)))


def nlm(x: np.ndarray, h: float) -> np.ndarray:
    """Non-local means of a 2-D image ``x`` with filtering parameter ``h`` in ``x``'s units (float64)."""
    from skimage.restoration import denoise_nl_means

    return denoise_nl_means(np.asarray(x, dtype=np.float64), h=h, patch_size=NLM_PATCH,
                            patch_distance=NLM_DISTANCE, fast_mode=True)


def nlm_hu(noisy_hu: np.ndarray, h_hu: float) -> np.ndarray:
    """:func:`nlm` of a slice in HU with h in HU, run on (HU + 1024) / 4096; float32 HU."""
    return (nlm((noisy_hu - HU_LOW) / HU_WIDTH, h_hu / HU_WIDTH) * HU_WIDTH + HU_LOW).astype(np.float32)


def nlm_denoiser(h: float) -> Callable[[torch.Tensor], torch.Tensor]:
    """:func:`nlm` with a fixed ``h`` as a denoiser of (B, 1, H, W) tensors (each image on its own)."""

    def denoiser(y: torch.Tensor) -> torch.Tensor:
        images = y.detach().cpu().numpy()
        out = np.stack([nlm(image[0], h)[None] for image in images])
        return torch.from_numpy(out).to(device=y.device, dtype=y.dtype)

    return denoiser
