"""The ``hsi-sample`` dataset and the domain's demo sample: synthetic cubes (:mod:`denoisekit_hsi.sample`)
written as ENVI (float32, BSQ, AVIRIS wavelengths and FWHM), clean and with each noise case of
:mod:`denoisekit_hsi.noise_sim` drawn from ``torch.Generator().manual_seed(SEED + case index)`` on the CPU."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import DemoInputs, Sample

NAME = "hsi-sample"
VERSION = 1
SEED = 0
SHAPE = (128, 128, 100)
DEMO_SHAPE = (64, 64, 48)
DEMO_CASE = "non-iid"


def noisy_cube(clean: np.ndarray, case: str, seed: int = SEED) -> np.ndarray:
    """``clean`` with the noise ``case``, float32, deterministic for a seed."""
    import torch

    from denoisekit_hsi.noise_sim import CASES, add_noise

    generator = torch.Generator().manual_seed(seed + CASES.index(case))
    return add_noise(torch.from_numpy(clean), case, generator).numpy().astype(np.float32)


def write_cube(array: np.ndarray, path: Path, description: str) -> None:
    """``array`` (H, W, B) as ENVI float32 BSQ with the AVIRIS wavelengths the cube was made with."""
    from denoisekit_hsi.formats import write_envi
    from denoisekit_hsi.sample import aviris_bands

    bands = aviris_bands(array.shape[2])
    meta = {"dtype": "<f4", "interleave": "bsq", "wavelength": bands.wavelength.tolist(),
            "fwhm": bands.fwhm.tolist(),
            "envi_header": {"wavelength units": "Nanometers", "description": description}}
    write_envi(Sample(array, "HWC", "envi", meta), path)


def build_sample(directory: Path) -> DemoInputs:
    """The demo: ``clean.hdr`` and ``noisy.hdr`` (non-i.i.d. Gaussian, sigma_b ~ U(0, 0.1)), 64x64x48."""
    from denoisekit_hsi.sample import make_cube

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    clean = make_cube(*DEMO_SHAPE, seed=SEED)
    paths = {name: directory / f"{name}.hdr" for name in ("clean", "noisy")}
    write_cube(clean, paths["clean"], "denoisekit-hsi synthetic cube (clean)")
    write_cube(noisy_cube(clean, DEMO_CASE), paths["noisy"], f"denoisekit-hsi synthetic cube ({DEMO_CASE} noise)")
    return DemoInputs(input=paths["noisy"], reference=paths["clean"])


def build_hsi_sample_set(root: Path, *, progress: Callable[..., Any] | None = None) -> Path:
    """Write ROOT/hsi-sample: ``clean.hdr`` (128x128x100) and one ``<case>.hdr`` per noise case, then
    ``manifest.json``; a complete build of the same version is left alone."""
    from denoisekit.api import MANIFEST, dataset_progress, write_manifest
    from denoisekit_hsi.noise_sim import CASES
    from denoisekit_hsi.sample import make_cube

    progress = progress or dataset_progress
    folder = Path(root) / NAME
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            if json.loads(manifest.read_text()).get("version") == VERSION:
                return folder
        except ValueError:
            pass
        manifest.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    clean = make_cube(*SHAPE, seed=SEED)
    write_cube(clean, folder / "clean.hdr", "denoisekit-hsi synthetic cube (clean)")
    for case in progress(CASES, f"{NAME}: writing noisy cubes", total=len(CASES)):
        write_cube(noisy_cube(clean, case), folder / f"{case}.hdr", f"denoisekit-hsi synthetic cube ({case} noise)")
    write_manifest(folder, {"version": VERSION, "shape": list(SHAPE), "seed": SEED, "cases": list(CASES)})
    return folder


class HSICubeFolder:
    """Map-style dataset over a folder with ``clean.hdr`` and noisy ``<case>.hdr`` cubes: item i is
    ``{"x": clean, "y": noisy}`` (float32 (H, W, B)) for the i-th noisy cube in name order."""

    def __init__(self, folder: Path):
        from denoisekit.api import InputError

        self.folder = Path(folder)
        self.clean_path = self.folder / "clean.hdr"
        if not self.clean_path.is_file():
            raise InputError(self.clean_path, "no clean cube in the dataset folder")
        self.noisy_paths = sorted(p for p in self.folder.glob("*.hdr") if p.name != "clean.hdr")

    def __len__(self) -> int:
        return len(self.noisy_paths)

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        from denoisekit_hsi.formats import read_envi

        return {"x": np.array(read_envi(self.clean_path).array, dtype=np.float32),
                "y": np.array(read_envi(self.noisy_paths[i]).array, dtype=np.float32)}
