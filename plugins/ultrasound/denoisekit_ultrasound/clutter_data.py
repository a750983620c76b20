"""``us-clutter-seq``: paired cluttered / clean 7-frame cardiac sequences for ``ultrasound/clutter-filter3d``,
simulated with PyMUST (:func:`.simulate.simulate_frames`, about 20 s a sequence here): per phantom seed a heart
contracting by a random fraction (5 to 15 %) over a random part of the cycle, a static chest wall whose
Byram-Shu reverberation haze (gain uniform in [0.2, 1.2] of the tissue's channel RMS, noise in [0.005, 0.03])
is the same in every frame, and, in every second sequence, near-field clutter in the manner of Tabassian et al.
(arXiv 2401.13147, Sec. II-A: a bright, nearly static band close to the probe): complex speckle under an
envelope that decays with depth from the probe over 5 to 20 mm and varies smoothly across the sector, its
level slowly changing (+-10 %) from frame to frame. ``hazy/`` holds tissue + haze + clutter, ``clean/`` the
tissue, both zea IQ with per-frame cavity/myocardium masks.

Seeds: training phantoms 1000-1039 (the us-cardiac-sim range); never the tuning (5000+) or held-out (9000+) ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CLUTTER_SEEDS = range(1000, 1040)
FRAMES = 7


def near_field_clutter(shape: tuple[int, int, int], z_axis: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(frames, z, x) complex near-field clutter at unit RMS: smoothed complex speckle (static) times a depth
    envelope ``exp(-(z - z0) / d)`` (d in 5 to 20 mm) times a smooth lateral modulation, times a per-frame gain
    in [0.9, 1.1]."""
    from scipy.ndimage import gaussian_filter, gaussian_filter1d

    t, nz, nx = shape
    speckle = gaussian_filter(rng.standard_normal((nz, nx)), 1.0) + 1j * gaussian_filter(
        rng.standard_normal((nz, nx)), 1.0)
    depth = np.exp(-np.maximum(z_axis - z_axis[0], 0.0) / rng.uniform(0.005, 0.02))
    lateral = 0.3 + np.abs(gaussian_filter1d(rng.standard_normal(nx), nx / 8.0, mode="wrap"))
    field = speckle * depth[:, None] * lateral[None]
    field /= max(float(np.sqrt(np.mean(np.abs(field) ** 2))), 1e-30)
    return field[None] * rng.uniform(0.9, 1.1, t)[:, None, None]


def simulate_clutter_sequence(seed: int, frames: int = FRAMES, grid: dict | None = None) -> tuple:
    """The simulated frames of phantom ``seed`` and the near-field clutter (IQ, zero when this seed has none)."""
    from denoisekit_ultrasound.simulate import simulate_frames

    rng = np.random.default_rng(seed + 7_000_001)
    squeeze, start = rng.uniform(0.05, 0.15), rng.uniform(0.0, 0.5)
    squeezes = tuple(float(squeeze * np.sin(np.pi * (start + k / max(frames - 1, 1)))) for k in range(frames))
    sim = simulate_frames(seed, squeezes, gain=float(rng.uniform(0.2, 1.2)), noise=float(rng.uniform(0.005, 0.03)),
                          **(grid or {}))
    clean = np.stack([f.clean for f in sim])
    clutter = np.zeros_like(clean)
    if seed % 2:
        rms = float(np.sqrt(np.mean(np.abs(clean) ** 2)))
        clutter = rng.uniform(0.5, 2.0) * rms * near_field_clutter(clean.shape, sim[0].z_axis, rng)
    return sim, clutter


def build_clutter_set(root: Path, seeds=CLUTTER_SEEDS, grid: dict | None = None) -> Path:
    """``us-clutter-seq`` under ``root`` (``hazy/`` and ``clean/``, one zea sequence per seed); finished files are
    kept, so a stopped build resumes."""
    from dataclasses import replace

    from denoisekit.api import dataset_progress, write_manifest
    from denoisekit_ultrasound.datasets import TRAIN_GRID, _is_built, frame_sample
    from denoisekit_ultrasound.zea_format import write_zea

    folder = Path(root) / "us-clutter-seq"
    grid = dict(TRAIN_GRID if grid is None else grid)
    info = {"seeds": [seeds.start, seeds.stop] if isinstance(seeds, range) else list(seeds), **grid,
            "frames": FRAMES, "version": 1}
    if _is_built(folder, info):
        return folder
    for part in ("hazy", "clean"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    for seed in dataset_progress(list(seeds), "us-clutter-seq: sequences"):
        name = f"sequence_{seed:05d}.hdf5"
        if all((folder / part / name).is_file() for part in ("hazy", "clean")):
            continue
        sim, clutter = simulate_clutter_sequence(seed, FRAMES, grid)
        hazy = frame_sample(sim, "hazy", f"us-clutter-seq hazy seed {seed}")
        hazy = replace(hazy, array=hazy.array + np.stack([clutter.real, clutter.imag], -1).astype(np.float32))
        for part, sample in (("hazy", hazy), ("clean", frame_sample(sim, "clean", f"us-clutter-seq clean {seed}"))):
            tmp = folder / part / f".{name}.partial"
            write_zea(sample, tmp)
            tmp.replace(folder / part / name)
    write_manifest(folder, {"parameters": info})
    return folder


class ClutterSet:
    """Map-style dataset over a ``hazy/`` + ``clean/`` sequence folder: item i is ``{"x": clean, "y": hazy}``,
    float32 (frames, z, x, 2) IQ arrays."""

    def __init__(self, folder: Path):
        from denoisekit.api import InputError

        folder = Path(folder)
        if not (folder / "hazy").is_dir() or not (folder / "clean").is_dir():
            raise InputError(folder, "not a sequence folder with hazy/ and clean/ (denoisekit data build "
                                     "us-clutter-seq)")
        self.names = sorted(p.name for p in (folder / "hazy").glob("*.hdf5"))
        self.folder = folder

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        from denoisekit_ultrasound.zea_format import read_zea

        n = self.names[i]
        return {"x": read_zea(self.folder / "clean" / n).array, "y": read_zea(self.folder / "hazy" / n).array}
