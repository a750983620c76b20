"""The image domain's sample set and ``ImageFolder``, the map-style dataset that reads it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from denoisekit.errors import InputError
from denoisekit.image import dataset
from denoisekit.image.dataset import ImageFolder, build_image_sample_set, source_image, tile_names
from denoisekit.image.formats import write_png
from denoisekit.manager import PluginHost
from denoisekit.sample import Sample


def png(array: np.ndarray, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_png(Sample(array, "HW" if array.ndim == 2 else "HWC", "png", {"dtype": array.dtype.str}), path)
    return path


def test_the_sample_set_layout(sample_set: Path) -> None:
    assert sample_set.name == "image-sample"
    names = sorted(p.name for p in (sample_set / "clean").glob("*.png"))
    assert len(names) == len(tile_names()) == 148
    assert names == sorted(p.name for p in (sample_set / "noisy").glob("*.png"))
    manifest = json.loads((sample_set / "manifest.json").read_text())
    assert manifest["tiles"] == 148 and manifest["sigma"] == 25.0 and manifest["version"] == dataset.VERSION
    assert set(manifest["sources"]) == set(dataset.SOURCES)


def test_image_folder_reads_the_built_set(sample_set: Path) -> None:
    ds = ImageFolder(sample_set)
    assert len(ds) == 148 and ds.noisy is not None
    item = ds[0]
    assert set(item) == {"x", "y"}
    for key in ("x", "y"):
        assert item[key].shape == (1, 128, 128) and item[key].dtype == np.float32
        assert 0.0 <= item[key].min() and item[key].max() <= 1.0
    assert ds.path_of(0) == sample_set / "clean" / "astronaut_r0_c0.png"
    assert ds.path_of(-1) == ds.files[-1]
    # the noise is sigma 25 on the 0..255 scale (clipping shrinks it a little on dark or bright tiles)
    residual = np.concatenate([(ds[i]["y"] - ds[i]["x"]).ravel() for i in range(0, 148, 10)]) * 255
    assert 22.0 < residual.std() < 26.0 and abs(residual.mean()) < 1.0


def test_tiles_are_the_pictures_and_the_noise_is_seeded(sample_set: Path) -> None:
    ds = ImageFolder(sample_set)
    i = ds.files.index(sample_set / "clean" / "camera_r1_c2.png")
    expected = source_image("camera")[128:256, 256:384]
    np.testing.assert_array_equal(np.rint(ds[i]["x"][0] * 255).astype(np.uint8), expected)
    noisy = dataset.noisy_tile(expected, "camera_r1_c2")
    np.testing.assert_array_equal(np.rint(ds[i]["y"][0] * 255).astype(np.uint8), noisy)
    gray = source_image("astronaut")
    assert gray.shape == (512, 512) and gray.dtype == np.uint8


def test_the_registered_dataset_opens_the_folder(sample_set: Path) -> None:
    record = PluginHost(load_entrypoints=False).dataset("image-sample")
    ds = record.open(sample_set)
    assert isinstance(ds, ImageFolder) and len(ds) == 148


def test_a_corrupt_file_is_named(sample_set: Path, tmp_path: Path) -> None:
    folder = shutil.copytree(sample_set, tmp_path / "copy")
    bad = folder / "noisy" / "brick_r0_c1.png"
    bad.write_bytes(bad.read_bytes()[:300])
    ds = ImageFolder(folder)
    i = ds.files.index(folder / "clean" / "brick_r0_c1.png")
    with pytest.raises(InputError) as info:
        ds[i]
    assert info.value.path == bad and str(bad) in str(info.value)
    (folder / "clean" / "brick_r0_c2.png").write_text("not a png")
    with pytest.raises(InputError, match="brick_r0_c2.png"):
        ds[i + 1]


def test_missing_folder_twin_and_empty_folder(sample_set: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="dataset folder not found"):
        ImageFolder(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no PNG images found"):
        ImageFolder(tmp_path / "empty")
    folder = shutil.copytree(sample_set, tmp_path / "copy")
    (folder / "noisy" / "coins_r0_c0.png").unlink()
    with pytest.raises(InputError, match="noisy twin of clean/coins_r0_c0.png not found"):
        ImageFolder(folder)


def test_a_plain_folder_of_pngs(tmp_path: Path) -> None:
    png(np.full((20, 30), 65535, np.uint16), tmp_path / "a.png")
    png(np.zeros((20, 30, 3), np.uint8), tmp_path / "b.png")
    ds = ImageFolder(tmp_path)
    assert len(ds) == 2 and ds.noisy is None and "2 images" in repr(ds)
    assert set(ds[0]) == {"x"} and ds[0]["x"].shape == (1, 20, 30) and ds[0]["x"].max() == 1.0
    assert ds[1]["x"].shape == (3, 20, 30)
    with pytest.raises(IndexError):
        ds[2]
    with pytest.raises(TypeError):
        ds["a"]  # type: ignore[index]


def test_a_noisy_twin_of_another_shape(tmp_path: Path) -> None:
    png(np.zeros((8, 8), np.uint8), tmp_path / "clean" / "a.png")
    png(np.zeros((8, 9), np.uint8), tmp_path / "noisy" / "a.png")
    with pytest.raises(InputError, match="differs from the clean image"):
        ImageFolder(tmp_path)[0]


def test_building_is_deterministic_and_idempotent(sample_set: Path, tmp_path: Path) -> None:
    calls: list[int] = []

    def progress(items, description, total=None):
        calls.append(total)
        return items

    folder = build_image_sample_set(tmp_path, progress=progress)
    assert calls == [148]
    for sub in ("clean", "noisy"):
        for p in sorted((sample_set / sub).glob("*.png"))[::25]:
            assert (folder / sub / p.name).read_bytes() == p.read_bytes()
    stamp = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    assert build_image_sample_set(tmp_path, progress=progress) == folder
    assert stamp == {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_a_build_of_another_version_is_redone(tmp_path: Path) -> None:
    folder = build_image_sample_set(tmp_path, progress=lambda items, *a, **k: items)
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps(manifest | {"version": -1}))
    (folder / "clean" / "stale.png").write_bytes(b"old")
    build_image_sample_set(tmp_path, progress=lambda items, *a, **k: items)
    assert not (folder / "clean" / "stale.png").exists()
    assert json.loads((folder / "manifest.json").read_text())["version"] == dataset.VERSION
