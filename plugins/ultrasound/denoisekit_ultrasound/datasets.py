"""Simulated cardiac data sets (PyMUST, :mod:`.simulate`), written as zea HDF5 files:

- ``us-sample``: the domain's built-in sample: a small hazy frame and its clean reference (the demo's input), a
  7-frame hazy sequence with a static chest-wall haze and its clean reference, each with cavity/myocardium masks.
- ``us-cardiac-sim``: the training set: ``tissue/`` (clean frames), ``haze/`` (haze frames of the same phantoms,
  used unpaired by the two priors), ``hazy/`` (their sums) from phantoms seeded ``TRAIN_SEEDS``, each with its
  own heart position, size and tilt, haze gain and noise.

Seeds are kept apart: training ``1000 + i``, tuning ``5000 + i``, the held-out benchmark ``HELD_OUT_SEED`` and the
sample ``SAMPLE_SEED`` are never mixed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from denoisekit.api import DemoInputs, InputError, Sample

SAMPLE_SEED, HELD_OUT_SEED = 7, 9001
TRAIN_SEEDS = range(1000, 1160)
TUNE_SEEDS = range(5000, 5004)
TRAIN_GRID = {"nz": 256, "nx": 192, "scatterers": 10000}
SAMPLE_GRID = {"nz": 128, "nx": 96, "scatterers": 4000}


def frame_sample(frames: list, part: str, description: str | None = None) -> Sample:
    """A zea ``THWC`` IQ sample (float32 I, Q) of ``part`` (``clean``, ``haze`` or ``hazy``) of simulated frames."""
    iq = np.stack([getattr(f, part) for f in frames])
    data = np.stack([iq.real, iq.imag], axis=-1).astype(np.float32)
    f = frames[0]
    scan = {"z_axis": f.z_axis, "x_axis": f.x_axis, "center_frequency": np.float64(f.center_frequency),
            "sampling_frequency": np.float64(f.sampling_frequency), "sound_speed": np.float64(1540.0)}
    regions = {k: (np.stack([g.regions[k] for g in frames]) if len(frames) > 1 else m) for k, m in f.regions.items()}
    return Sample(array=data, axes="THWC", format="zea", meta={"scan": scan}, regions=regions,
                  description=description)


def simulate_sequence(seed: int, frames: int = 7, **kwargs) -> list:
    """``frames`` frames of one phantom whose heart contracts (12 % at the middle frame) while the chest wall,
    hence the haze, stays still: the near-field clutter a spatiotemporal SVD filter removes."""
    from denoisekit_ultrasound.simulate import simulate_frames

    return simulate_frames(seed, tuple(0.12 * np.sin(np.pi * k / max(frames - 1, 1)) for k in range(frames)), **kwargs)


def _is_built(folder: Path, info: dict) -> bool:
    manifest = folder / "manifest.json"
    return manifest.is_file() and json.loads(manifest.read_text()).get("parameters") == info


SAMPLE_INFO = {"seed": SAMPLE_SEED, "gain": 0.9, "noise": 0.01, **SAMPLE_GRID, "sequence_frames": 7, "version": 1}
SAMPLE_FILES = ("hazy.hdf5", "clean.hdf5", "sequence_hazy.hdf5", "sequence_clean.hdf5", "manifest.json")


def _cache() -> Path:
    """A built copy of the sample, so each new folder is a copy (the simulation takes about 25 s)."""
    import os

    root = os.environ.get("DENOISEKIT_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "denoisekit") / "ultrasound" / "us-sample"


def build_us_sample(directory: Path) -> DemoInputs:
    """The built-in sample in ``directory`` (nothing is redone when a complete build with the same parameters
    is there; a build in the cache is copied): ``hazy.hdf5`` / ``clean.hdf5`` (one frame),
    ``sequence_hazy.hdf5`` / ``sequence_clean.hdf5`` (7 frames)."""
    import shutil

    directory = Path(directory)
    inputs = DemoInputs(input=directory / "hazy.hdf5", reference=directory / "clean.hdf5")
    if _is_built(directory, SAMPLE_INFO):
        return inputs
    cache = _cache()
    if not _is_built(cache, SAMPLE_INFO):
        _simulate_sample(cache)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").unlink(missing_ok=True)
    for name in SAMPLE_FILES:  # the manifest last: it marks a complete copy
        shutil.copyfile(cache / name, directory / name)
    return inputs


def build_sequence_sample(directory: Path) -> DemoInputs:
    """The sample's 7-frame sequence (the sequence pipelines' conformance input)."""
    build_us_sample(directory)
    return DemoInputs(input=Path(directory) / "sequence_hazy.hdf5", reference=Path(directory) / "sequence_clean.hdf5")


def _simulate_sample(directory: Path) -> None:
    from denoisekit.api import write_manifest
    from denoisekit_ultrasound.simulate import simulate_frame
    from denoisekit_ultrasound.zea_format import write_zea

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").unlink(missing_ok=True)
    info = SAMPLE_INFO
    frame = simulate_frame(SAMPLE_SEED, gain=info["gain"], noise=info["noise"], **SAMPLE_GRID)
    write_zea(frame_sample([frame], "hazy", "simulated hazy frame"), directory / "hazy.hdf5")
    write_zea(frame_sample([frame], "clean", "simulated clean frame"), directory / "clean.hdf5")
    seq = simulate_sequence(SAMPLE_SEED + 1, gain=info["gain"], noise=info["noise"], **SAMPLE_GRID)
    write_zea(frame_sample(seq, "hazy", "simulated hazy sequence"), directory / "sequence_hazy.hdf5")
    write_zea(frame_sample(seq, "clean", "simulated clean sequence"), directory / "sequence_clean.hdf5")
    write_manifest(directory, {"parameters": info})


def build_us_sample_set(root: Path) -> Path:
    folder = Path(root) / "us-sample"
    build_us_sample(folder)
    return folder


def build_training_set(root: Path, seeds=TRAIN_SEEDS, grid: dict | None = None) -> Path:
    """``us-cardiac-sim`` under ``root``: per seed a tissue, haze and hazy zea file; haze gain uniform in
    [0.2, 1.2], noise in [0.005, 0.03] per phantom. Frames already written are kept (a stopped build resumes)."""
    from denoisekit.api import dataset_progress, write_manifest
    from denoisekit_ultrasound.simulate import simulate_frame
    from denoisekit_ultrasound.zea_format import write_zea

    folder = Path(root) / "us-cardiac-sim"
    grid = dict(TRAIN_GRID if grid is None else grid)
    info = {"seeds": [seeds.start, seeds.stop] if isinstance(seeds, range) else list(seeds), **grid, "version": 1}
    if _is_built(folder, info):
        return folder
    for part in ("tissue", "haze", "hazy"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    for seed in dataset_progress(list(seeds), "us-cardiac-sim: phantoms"):
        name = f"phantom_{seed:05d}.hdf5"
        if all((folder / part / name).is_file() for part in ("tissue", "haze", "hazy")):
            continue
        rng = np.random.default_rng(seed)
        frame = simulate_frame(seed, gain=float(rng.uniform(0.2, 1.2)), noise=float(rng.uniform(0.005, 0.03)), **grid)
        for part, key in (("tissue", "clean"), ("haze", "haze"), ("hazy", "hazy")):
            tmp = folder / part / f".{name}.partial"
            write_zea(frame_sample([frame], key, f"us-cardiac-sim {part} seed {seed}"), tmp)
            tmp.replace(folder / part / name)
    write_manifest(folder, {"parameters": info})
    return folder


class SimulatedSet:
    """Map-style dataset over a built us-sample or us-cardiac-sim folder: item i is ``{"x": clean, "y": hazy}``
    (and ``"h"``: haze when the folder has ``haze/``), float32 ``(frames, z, x, 2)`` IQ arrays."""

    def __init__(self, folder: Path):
        from denoisekit_ultrasound.zea_format import read_zea

        folder = Path(folder)
        if not (folder / "manifest.json").is_file():
            raise InputError(folder, "not a built simulated ultrasound folder (no manifest.json): run denoisekit "
                                     "data build us-sample (or us-cardiac-sim)")
        self._read = read_zea
        if (folder / "tissue").is_dir():
            names = sorted(p.name for p in (folder / "tissue").glob("*.hdf5"))
            self.items = [{"x": folder / "tissue" / n, "y": folder / "hazy" / n, "h": folder / "haze" / n}
                          for n in names]
        else:
            self.items = [{"x": folder / "clean.hdf5", "y": folder / "hazy.hdf5"},
                          {"x": folder / "sequence_clean.hdf5", "y": folder / "sequence_hazy.hdf5"}]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        return {k: self._read(p).array for k, p in self.items[i].items()}
