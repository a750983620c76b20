"""Memory of large cubes: NaN checks in chunks (a memory-mapped cube stays mapped), the DCT denoiser and FastHyDe
in strips and chunks of rows with the same results, and the peak of hsi/fasthyde near input + output."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from denoisekit_hsi import dct_denoiser, fasthyde
from denoisekit_hsi.classical_records import FASTHYDE_MIXED_OPTIONS, FASTHYDE_OPTIONS
from denoisekit_hsi.cube_layout import nonfinite_bands
from denoisekit_hsi.formats import read_envi
from denoisekit_hsi.pipelines import FastHyDeMixedPipeline, FastHyDePipeline

from denoisekit.api import InputError, RunContext, Sample, UserError

CHUNK = 1 << 24  # values nonfinite_bands checks at a time


def _sparse_envi(directory: Path, shape: tuple[int, int, int]) -> tuple[Path, np.memmap]:
    """A BIP float32 ENVI cube of zeros (a sparse file: cheap to create and to read) and a writable map of it."""
    h, w, b = shape
    header = directory / "big.hdr"
    header.write_text(f"ENVI\nsamples = {w}\nlines = {h}\nbands = {b}\nheader offset = 0\ndata type = 4\n"
                      "interleave = bip\nbyte order = 0\n")
    with open(directory / "big.img", "wb") as f:
        f.truncate(h * w * b * 4)
    return header, np.memmap(directory / "big.img", dtype="<f4", mode="r+", shape=shape)


@pytest.fixture
def isfinite_sizes(monkeypatch):
    """The sizes of the arrays np.isfinite is called on."""
    sizes: list[int] = []
    real = np.isfinite

    def counting(x, *args, **kwargs):
        sizes.append(np.size(x))
        return real(x, *args, **kwargs)

    monkeypatch.setattr(np, "isfinite", counting)
    return sizes


def test_a_mapped_envi_cube_is_checked_in_chunks_and_stays_mapped(tmp_path, isfinite_sizes):
    header, _ = _sparse_envi(tmp_path, (4096, 1024, 5))  # 21 M values, more than one chunk
    sample = read_envi(header)
    assert isinstance(sample.array, np.memmap) or isinstance(sample.array.base, np.memmap)
    assert len(isfinite_sizes) >= 2 and max(isfinite_sizes) <= CHUNK


def test_nan_bands_of_a_mapped_envi_cube_are_all_found(tmp_path, isfinite_sizes):
    header, cube = _sparse_envi(tmp_path, (4096, 1024, 5))
    cube[0, 0, 3], cube[-1, -1, 1] = np.nan, np.inf  # in the first and the last chunk
    cube.flush()
    with pytest.raises(InputError, match=r"NaN or Inf values in 2 band\(s\) \(0-based: 1, 3\)"):
        read_envi(header)
    assert max(isfinite_sizes) <= CHUNK


@pytest.mark.parametrize("band_axis", [0, 2])
def test_nonfinite_bands_in_small_chunks(band_axis):
    cube = np.zeros((9, 4, 6), np.float32)
    bands = [1, 5] if band_axis == 2 else [2, 8]
    index = [(0, 0, bands[0]), (8, 3, bands[1])] if band_axis == 2 else [(bands[0], 0, 0), (bands[1], 3, 5)]
    for i in index:
        cube[i] = np.nan
    assert nonfinite_bands(cube, band_axis, chunk=24) == bands
    assert nonfinite_bands(np.zeros((9, 4, 6), np.int16), band_axis) == []


def test_dct_denoiser_in_strips_equals_the_whole_image(monkeypatch):
    g = torch.Generator().manual_seed(0)
    image = torch.randn(1, 61, 83, generator=g)
    whole = dct_denoiser.dct_denoise(image, 0.5)
    monkeypatch.setattr(dct_denoiser, "PATCH_VALUES", 8 * 64 * 75)  # strips of 8 patch rows
    strips = dct_denoiser.dct_denoise(image, 0.5)
    torch.testing.assert_close(strips, whole, rtol=0, atol=1e-5)


def _low_rank_cube(h: int, w: int, b: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.meshgrid(np.linspace(0, 1, h), np.linspace(0, 1, w), indexing="ij")
    fields = np.stack([np.sin(3 * xx + i) * np.cos(2 * yy - i) + 1 for i in range(4)], axis=-1)
    spectra = rng.uniform(0.1, 1.0, (4, b))
    return (fields @ spectra / 4 + 0.02 * rng.standard_normal((h, w, b))).astype(np.float32)


def test_fasthyde_in_chunks_of_rows_equals_the_whole_cube(monkeypatch):
    cube = _low_rank_cube(40, 36, 12)
    whole = fasthyde.fasthyde(torch.from_numpy(cube)).numpy()
    monkeypatch.setattr(fasthyde, "CHUNK_VALUES", 5 * 36 * 12)  # chunks of 5 rows
    for chunked in (fasthyde.fasthyde(torch.from_numpy(cube)).numpy(), fasthyde.fasthyde(cube)):
        np.testing.assert_allclose(chunked, whole, rtol=0, atol=1e-5)


@pytest.mark.parametrize("options, factory", [(FASTHYDE_OPTIONS, FastHyDePipeline),
                                              (FASTHYDE_MIXED_OPTIONS, FastHyDeMixedPipeline)])
def test_a_subspace_larger_than_the_bands_is_refused(options, factory):
    sample = Sample(_low_rank_cube(16, 16, 16), "HWC", "envi", {}, None, Path("cube.hdr"))
    config = {o.name: o.default for o in options} | {"k": 1000}
    ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
    with pytest.raises(UserError, match=r"^option 'k' = 1000 exceeds the 16 bands of cube.hdr \(use k <= 16"):
        factory()(sample, config, ctx)
    config["k"] = 16
    assert factory()(sample, config, ctx).sample.array.shape == (16, 16, 16)


_PEAK_SCRIPT = textwrap.dedent("""
    import re, sys
    import numpy as np, torch
    from pathlib import Path
    from denoisekit_hsi import dct_denoiser, fasthyde, formats
    from denoisekit_hsi.classical_records import FASTHYDE_OPTIONS
    from denoisekit_hsi.pipelines import FastHyDePipeline
    from denoisekit.api import RunContext

    torch.set_num_threads(1)
    dct_denoiser.PATCH_VALUES = fasthyde.CHUNK_VALUES = formats.WRITE_VALUES = 1 << 16  # the cube's size dominates
    run = FastHyDePipeline()
    config = {o.name: o.default for o in FASTHYDE_OPTIONS}
    ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
    small = formats.read_envi(Path(sys.argv[2]))
    formats.write_envi(run(small, config, ctx).sample, Path(sys.argv[3]) / "small.hdr")  # warm up: imports, pools
    status = lambda: open("/proc/self/status").read()
    open("/proc/self/clear_refs", "w").write("5")  # restart the peak (VmHWM) from here
    base = int(re.search(r"VmRSS:\\s+(\\d+)", status()).group(1))
    sample = formats.read_envi(Path(sys.argv[1]))
    formats.write_envi(run(sample, config, ctx).sample, Path(sys.argv[3]) / "big.hdr")
    print(int(re.search(r"VmHWM:\\s+(\\d+)", status()).group(1)) - base)
""")


@pytest.mark.skipif(not os.access("/proc/self/clear_refs", os.W_OK), reason="needs Linux's /proc peak reset")
def test_fasthyde_peak_memory_is_near_input_plus_output(tmp_path):
    """Above the memory before the read, reading a memory-mapped ENVI cube, hsi/fasthyde and writing the result
    peak at about the cube (its pages, once read) plus the output plus small chunks: under 2.75 cube sizes (it was
    over 20 on this cube, with the DCT patches of the whole image, and one more whole-cube copy makes over 3)."""
    paths = []
    for name, (h, w, b) in {"big": (256, 256, 64), "small": (16, 16, 64)}.items():
        (tmp_path / name).mkdir()
        header, cube = _sparse_envi(tmp_path / name, (h, w, b))
        cube[:] = _low_rank_cube(h, w, b)
        cube.flush()
        paths.append(str(header))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, *paths, str(tmp_path)], capture_output=True,
                          text=True, env=env, check=True)
    peak_kib = int(done.stdout.split()[-1])
    assert peak_kib * 1024 < 2.75 * 256 * 256 * 64 * 4, peak_kib
