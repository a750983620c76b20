"""A tiny CT input for the conformance kit's runs of the denoising pipelines (the domain's sample is a
512 x 512 slice whose simulation alone takes seconds): a 48 x 48 integer-HU 'head' (skull ring 1000 HU,
brain 40 HU, a 70 HU lesion, air -1000 HU) as the reference, and the same with spatially correlated noise
of std 40 HU (white noise, seed 0, smoothed by a 3 x 3 binomial kernel) as the input, both DICOM."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from denoisekit.api import DemoInputs

SIZE = 48


def head_phantom(size: int = SIZE, seed: int = 0, noise_hu: float = 40.0) -> tuple[np.ndarray, np.ndarray]:
    """(reference, noisy) float32 HU images, integer-valued so that DICOM stores them exactly."""
    yy, xx = np.mgrid[0:size, 0:size] - (size - 1) / 2
    r = np.hypot(yy, xx)
    clean = np.where(r < size * 0.45, 1000.0, -1000.0)
    clean = np.where(r < size * 0.38, 40.0, clean)
    clean = np.where(np.hypot(yy - size / 10, xx + size / 8) < size * 0.1, 70.0, clean)
    white = np.random.default_rng(seed).standard_normal((size + 2, size + 2))
    b = np.array([1.0, 2.0, 1.0]) / 4
    smooth = sum(b[i] * b[j] * white[i:i + size, j:j + size] for i in range(3) for j in range(3))
    noisy = np.round(clean + noise_hu * smooth / smooth.std())
    return clean.astype(np.float32), noisy.astype(np.float32)


def build_tiny_ct_sample(directory: Path) -> DemoInputs:
    """Write ``reference.dcm`` and ``lowdose.dcm`` into ``directory`` (idempotent: same files each time)."""
    from denoisekit.api import Sample
    from denoisekit_ct.dicom_format import new_ct_dataset, write_dicom

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    reference, noisy = head_phantom()
    paths = {}
    for name, hu in (("reference", reference), ("lowdose", noisy)):
        ds = new_ct_dataset(hu.shape)
        ds.SeriesDescription = name
        paths[name] = directory / f"{name}.dcm"
        write_dicom(Sample(hu, "HW", "dicom", {"dataset": ds}), paths[name])
    return DemoInputs(input=paths["lowdose"], reference=paths["reference"])
