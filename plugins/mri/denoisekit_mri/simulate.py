"""Simulated multi-coil acquisitions: analytic coil sensitivities, a smooth background phase and complex
Gaussian k-space noise at a stated SNR. Used by the built-in sample and the benchmarks (never by a pipeline).
"""

from __future__ import annotations

import math

import numpy as np


def coil_maps(shape: tuple[int, int], coils: int = 8, *, distance: float = 1.3, rotation: float = 0.0) -> np.ndarray:
    """(coils, H, W) complex64 surface-coil sensitivities, normalised so that sum_c |S_c|^2 = 1.

    Coil c is a small loop at radius ``distance`` (in half-widths of the grid) and angle
    2 pi c / coils + ``rotation``. Its magnitude falls off like a loop's on-axis field,
    (1 + d^2 / a^2)^(-3/2) for d the distance to the loop and a = 0.5 (Biot-Savart law on the axis of a
    circular loop), and its phase turns with the angle seen from the loop (a receive field's phase
    rotates around the coil), plus a constant per coil.
    """
    h, w = shape
    y, x = np.meshgrid((np.arange(h) - h / 2) / (h / 2), (np.arange(w) - w / 2) / (w / 2), indexing="ij")
    maps = np.empty((coils, h, w), dtype=np.complex128)
    for c in range(coils):
        angle = 2 * math.pi * c / coils + rotation
        py, px = distance * math.sin(angle), distance * math.cos(angle)
        d2 = (y - py) ** 2 + (x - px) ** 2
        magnitude = (1 + d2 / 0.25) ** -1.5
        phase = 0.5 * np.arctan2(y - py, x - px) + angle
        maps[c] = magnitude * np.exp(1j * phase)
    maps /= np.sqrt(np.sum(np.abs(maps) ** 2, axis=0, keepdims=True))
    return maps.astype(np.complex64)


def smooth_phase(shape: tuple[int, int], rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """exp(i phi) for a random low-order polynomial phase phi (up to ~``strength`` radians across the image)."""
    h, w = shape
    y, x = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
    a = rng.uniform(-1, 1, size=5) * strength / 2
    phi = a[0] * x + a[1] * y + a[2] * x * y + a[3] * x**2 + a[4] * y**2
    return np.exp(1j * phi).astype(np.complex64)


def noise_sigma(image: np.ndarray, snr_db: float) -> float:
    """The per-sample noise std giving ``snr_db`` = 20 log10(mean |x| over the object / sigma); the object is
    where |x| > 10 % of its maximum. With the unitary FFT the k-space and image noise std are equal."""
    magnitude = np.abs(image)
    signal = magnitude[magnitude > 0.1 * magnitude.max()].mean()
    return float(signal / 10 ** (snr_db / 20))


def acquire(image: np.ndarray, maps: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Fully sampled (C, H, W) k-space F(S_c x) + complex Gaussian noise of std ``sigma`` per sample
    (``sigma / sqrt(2)`` in each of the real and imaginary parts)."""
    coil_images = maps * image[None]
    kspace = np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(coil_images, axes=(-2, -1)), norm="ortho"), axes=(-2, -1))
    noise = rng.standard_normal(kspace.shape) + 1j * rng.standard_normal(kspace.shape)
    return (kspace + sigma / math.sqrt(2) * noise).astype(np.complex64)


def rss_image(kspace: np.ndarray) -> np.ndarray:
    """Root sum of squares of the coil images of fully sampled (..., C, H, W) k-space, float32."""
    images = np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(kspace, axes=(-2, -1)), norm="ortho"), axes=(-2, -1))
    return np.sqrt(np.sum(np.abs(images) ** 2, axis=-3)).astype(np.float32)
