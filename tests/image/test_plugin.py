"""The image plugin's registration, its light import and the demo sample."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from denoisekit.image import plugin
from denoisekit.manager import PluginHost
from denoisekit.metrics import psnr
from denoisekit.pipeline import RunContext
from denoisekit.records import PipelineRecord


def test_plugin_import_is_light() -> None:
    code = ("import sys, denoisekit.image.plugin as p; p.register_formats(); p.register_pipelines(); "
            "print(sorted(m for m in ('torch', 'PIL', 'tifffile', 'nibabel', 'skimage', 'monai') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_host_loads_the_image_plugin() -> None:
    host = PluginHost(load_entrypoints=False)
    assert host.plugins["image"].status == "loaded", host.plugins["image"].error
    assert host.domain("image").demo_pipeline == "zs-n2n"
    record = host.pipeline("image/zs-n2n")
    assert record.defaults() == {"iterations": 2000, "lr": 1e-3, "lr_step": 1500, "channels": 48, "clip": True}
    assert {host.format(f).name for f in record.formats} == {"npy", "png", "tiff", "nifti"}
    assert host.format("nifti").suffixes == (".nii", ".nii.gz")


def test_pipeline_runs_on_every_format_example(zs_n2n_record: PipelineRecord, ctx: RunContext,
                                               tmp_path: Path) -> None:
    pipeline = zs_n2n_record.factory()
    config = zs_n2n_record.defaults() | dict(zs_n2n_record.test_config)
    for record in plugin.register_formats():
        example = record.example()
        out = pipeline(example, config, ctx)
        path = tmp_path / f"out{record.suffixes[-1]}"
        record.write(out, path)
        back = record.read(path)
        assert back.array.shape == example.array.shape and back.array.dtype == example.array.dtype


def test_demo_sample(tmp_path: Path) -> None:
    (domain,) = plugin.register_domains()
    first = domain.build_sample(tmp_path)
    assert (first.input, first.reference) == (tmp_path / "noisy.png", tmp_path / "clean.png")
    png = next(r for r in plugin.register_formats() if r.name == "png")
    noisy, clean = png.read(first.input), png.read(first.reference)
    assert noisy.array.shape == clean.array.shape == (256, 256)
    assert noisy.array.dtype == clean.array.dtype == np.uint8
    assert 19.5 < psnr(noisy.array, clean.array, 255.0) < 21.0  # sigma 25 on 0..255: ~20.2 dB
    data = first.input.read_bytes(), first.reference.read_bytes()
    domain.build_sample(tmp_path)
    assert (first.input.read_bytes(), first.reference.read_bytes()) == data
