"""The image domain's sample set (card: ``datasets/image-sample.toml``) and a folder dataset.

:func:`build_image_sample_set` cuts the freely licensed pictures that scikit-image ships inside
its wheel (no download) into 128x128 grayscale tiles and writes ``clean/*.png`` plus a noisy twin
``noisy/*.png`` (white Gaussian noise, sigma 25 on the 0..255 scale, seeded per tile).
:class:`ImageFolder` reads such a folder, or any folder of PNG images, as a map-style dataset.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.errors import InputError
from denoisekit.image.formats import read_png, write_png
from denoisekit.sample import Sample

NAME = "image-sample"
VERSION = 1  # bump when the tiles change; a build of another version is redone
TILE = 128
SIGMA = 25.0  # noise standard deviation on the 0..255 scale
SEED = 0

# scikit-image picture -> licence as stated in its docstring. Only pictures with a stated
# licence are used (moon and page have none). RGB pictures are converted to gray with the
# ITU-R BT.601 luma weights (RGB_TO_GRAY) and rounded.
SOURCES: dict[str, str] = {
    "camera": "CC0 (photographer Lav Varshney)",
    "brick": "CC0 (CC0Textures Bricks25)",
    "grass": "CC0 (DeviantArt, linolafett)",
    "gravel": "CC0 (CC0Textures Gravel04)",
    "cell": "CC0 (Mueller et al. 2018, quantitative phase image)",
    "coins": "no known copyright restrictions (Brooklyn Museum)",
    "text": "public domain (Wikipedia File:Corner.png)",
    "clock": "public domain (photographer Stefan van der Walt)",
    "astronaut": "public domain (NASA)",
    "chelsea": "CC0 (photographer Stefan van der Walt)",
    "coffee": "CC0 (photographer Rachel Michetti)",
    "rocket": "public domain (SpaceX)",
}
RGB_TO_GRAY = (0.299, 0.587, 0.114)


def source_image(name: str) -> np.ndarray:
    """The scikit-image picture ``name`` as a 2-D uint8 array (RGB converted with BT.601 luma)."""
    from skimage import data

    image = np.asarray(getattr(data, name)())
    if image.ndim == 3:
        image = np.rint(image[..., :3].astype(np.float64) @ np.asarray(RGB_TO_GRAY))
    return np.clip(image, 0, 255).astype(np.uint8)


# The shapes of the pictures in scikit-image's wheel, so the tile list is known without loading them.
SHAPES: dict[str, tuple[int, int]] = {
    "camera": (512, 512), "brick": (512, 512), "grass": (512, 512), "gravel": (512, 512),
    "cell": (660, 550), "coins": (303, 384), "text": (172, 448), "clock": (300, 400),
    "astronaut": (512, 512), "chelsea": (300, 451), "coffee": (400, 600), "rocket": (427, 640),
}


def tile_names() -> list[tuple[str, int, int]]:
    """(picture, row, column) of every tile: non-overlapping, from the top-left corner."""
    return [(name, r, c) for name in SOURCES
            for r in range(SHAPES[name][0] // TILE) for c in range(SHAPES[name][1] // TILE)]


def tile_stem(name: str, r: int, c: int) -> str:
    return f"{name}_r{r}_c{c}"


def noisy_tile(clean: np.ndarray, stem: str, sigma: float = SIGMA, seed: int = SEED) -> np.ndarray:
    """``clean`` plus white Gaussian noise, rounded and clipped; the generator is seeded from the tile's name."""
    rng = np.random.default_rng([seed, zlib.crc32(stem.encode())])
    return np.clip(np.rint(clean + rng.normal(0.0, sigma, clean.shape)), 0, 255).astype(np.uint8)


def _png_ok(path: Path, size: int = TILE) -> bool:
    """Whether ``path`` is a complete 8-bit grayscale PNG of size x size (chunk checksums verified)."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            if img.format != "PNG" or img.mode != "L" or img.size != (size, size):
                return False
            img.verify()
        return True
    except Exception:
        return False


def _write(array: np.ndarray, path: Path) -> None:
    """Write a uint8 PNG atomically (temporary name, then rename)."""
    tmp = path.with_name(f".{path.name}.partial")
    write_png(Sample(array, "HW", "png", {"dtype": "|u1"}, 255.0), tmp)
    os.replace(tmp, path)


def build_image_sample_set(root: Path, *, progress: Callable[..., Any] | None = None) -> Path:
    """Build ``root/image-sample``: ``clean/*.png`` and ``noisy/*.png``, 148 tiles of 128x128.

    Idempotent: a tile whose PNG exists and is complete is not written again, and a source picture
    is loaded only when one of its tiles is missing. ``manifest.json`` is written last. ``progress``
    wraps the tile loop (default :func:`denoisekit.catalogue.progress`). Returns the folder.
    """
    from denoisekit import catalogue

    progress = progress or catalogue.progress
    folder = Path(root) / NAME
    manifest = folder / catalogue.MANIFEST
    if manifest.is_file():
        try:
            stale = json.loads(manifest.read_text()).get("version") != VERSION
        except ValueError:
            stale = True
        if stale:  # tiles of another version: make every tile again
            manifest.unlink()
            for sub in ("clean", "noisy"):
                for p in (folder / sub).glob("*.png"):
                    p.unlink()
    for sub in ("clean", "noisy"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    tiles = tile_names()
    cache: dict[str, np.ndarray] = {}
    for name, r, c in progress(tiles, f"{NAME}: writing tiles", total=len(tiles)):
        stem = tile_stem(name, r, c)
        paths = (folder / "clean" / f"{stem}.png", folder / "noisy" / f"{stem}.png")
        if all(_png_ok(p) for p in paths):
            continue
        if name not in cache:
            cache.clear()  # tiles come picture by picture: keep one picture in memory
            cache[name] = source_image(name)
            if cache[name].shape != SHAPES[name]:
                raise RuntimeError(f"skimage.data.{name}() is {cache[name].shape}, expected {SHAPES[name]}: "
                                   "this scikit-image ships another picture; update SHAPES and VERSION")
        clean = np.ascontiguousarray(cache[name][r * TILE:(r + 1) * TILE, c * TILE:(c + 1) * TILE])
        for path, array in zip(paths, (clean, noisy_tile(clean, stem)), strict=True):
            if not _png_ok(path):
                _write(array, path)
    catalogue.write_manifest(folder, {
        "name": NAME, "version": VERSION, "tiles": len(tiles), "tile": TILE, "sigma": SIGMA, "seed": SEED,
        "noise": "white Gaussian, sigma on the 0..255 scale, rounded and clipped to uint8",
        "sources": {name: f"skimage.data.{name}(): {licence}" for name, licence in SOURCES.items()},
        "files": {"clean": "clean/<picture>_r<row>_c<col>.png", "noisy": "noisy/<same name>.png"},
    })
    return folder


class ImageFolder:
    """A map-style dataset over a folder of PNG images, for training and evaluation.

    The folder holds either ``clean/*.png`` (with an optional ``noisy/`` twin of every file, as
    :func:`build_image_sample_set` writes) or the PNG files themselves. Item ``i`` is
    ``{"x": clean}`` or ``{"x": clean, "y": noisy}``: float32 arrays of shape (C, H, W) scaled
    to [0, 1] by the file's bit depth (C = 1 for grayscale, 3 or 4 for colour). A missing or bad
    file raises :class:`denoisekit.errors.InputError` naming it.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder).expanduser()
        if not self.folder.is_dir():
            raise InputError(self.folder, "dataset folder not found")
        clean_dir = self.folder / "clean"
        base = clean_dir if clean_dir.is_dir() else self.folder
        self.files = sorted(base.glob("*.png"))
        if not self.files:
            raise InputError(self.folder, "no PNG images found (expected clean/*.png or *.png)")
        noisy_dir = self.folder / "noisy"
        self.noisy: list[Path] | None = None
        if base is clean_dir and noisy_dir.is_dir():
            self.noisy = [noisy_dir / p.name for p in self.files]
            missing = [p for p in self.noisy if not p.is_file()]
            if missing:
                raise InputError(missing[0], f"noisy twin of clean/{missing[0].name} not found")

    def __len__(self) -> int:
        return len(self.files)

    def _index(self, i: int) -> int:
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise TypeError(f"dataset index must be an integer, not {type(i).__name__}")
        n = len(self.files)
        if not -n <= i < n:
            raise IndexError(f"index {i} out of range for a dataset of {n} images")
        return int(i) % n

    def path_of(self, i: int) -> Path:
        """The clean file of item ``i``."""
        return self.files[self._index(i)]

    @staticmethod
    def _read(path: Path) -> np.ndarray:
        sample = read_png(path)
        array = sample.array
        scale = sample.data_range or float(np.iinfo(array.dtype).max)
        array = array[None] if array.ndim == 2 else np.moveaxis(array, -1, 0)
        return (array.astype(np.float32) / np.float32(scale)).clip(0.0, 1.0)

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        i = self._index(i)
        item = {"x": self._read(self.files[i])}
        if self.noisy is not None:
            item["y"] = self._read(self.noisy[i])
            if item["y"].shape != item["x"].shape:
                raise InputError(self.noisy[i], f"shape {item['y'].shape[1:]} differs from the clean image's "
                                                f"{item['x'].shape[1:]} ({self.files[i]})")
        return item

    def __repr__(self) -> str:
        twin = " with noisy twins" if self.noisy is not None else ""
        return f"ImageFolder({str(self.folder)!r}, {len(self)} images{twin})"
