"""The image domain's demo sample: the scikit-image ``camera`` picture with Gaussian noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from denoisekit.image.formats import write_png
from denoisekit.records import DemoInputs
from denoisekit.sample import Sample

SIGMA = 25.0  # noise standard deviation on the 0..255 scale
SEED = 0
# The demo trains for 800 iterations instead of the paper's 2000: 27.5 dB instead of 27.9 dB on
# this sample, in about a minute on 2 CPU cores (docs/benchmarks.md).
DEMO_CONFIG = {"iterations": 800, "lr_step": 600}


def clean_camera() -> np.ndarray:
    """``skimage.data.camera()`` (512x512, bundled with scikit-image) averaged over 2x2 blocks."""
    from skimage import data

    camera = data.camera().astype(np.float64)
    h, w = camera.shape
    return np.rint(camera.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))).astype(np.uint8)


def add_noise(clean: np.ndarray, sigma: float = SIGMA, seed: int = SEED) -> np.ndarray:
    """``clean`` plus white Gaussian noise, rounded and clipped to uint8."""
    noise = np.random.default_rng(seed).normal(0.0, sigma, clean.shape)
    return np.clip(np.rint(clean + noise), 0, 255).astype(np.uint8)


def build_sample(directory: Path) -> DemoInputs:
    """Write ``clean.png`` (256x256 camera) and ``noisy.png`` (sigma 25) into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    clean = clean_camera()
    paths = {}
    for name, array in (("clean", clean), ("noisy", add_noise(clean))):
        paths[name] = directory / f"{name}.png"
        write_png(Sample(array, "HW", "png", {"dtype": "|u1"}, 255.0), paths[name])
    return DemoInputs(input=paths["noisy"], reference=paths["clean"], config=DEMO_CONFIG)
