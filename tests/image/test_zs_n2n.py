"""Zero-Shot Noise2Noise (Mansour & Heckel, CVPR 2023): quality, determinism, shapes, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from denoisekit.errors import InputError
from denoisekit.image.sample import add_noise, clean_camera
from denoisekit.image.zs_n2n import ZeroShotN2N, pair_downsample
from denoisekit.metrics import psnr
from denoisekit.pipeline import RunContext
from denoisekit.records import PipelineRecord
from denoisekit.sample import Sample


def run(sample: Sample, record: PipelineRecord, ctx: RunContext, **options: object) -> Sample:
    return ZeroShotN2N()(sample, record.defaults() | options, ctx)


def png(array: np.ndarray, axes: str = "HW") -> Sample:
    return Sample(array, axes, "png", {"dtype": array.dtype.str}, 255.0, Path("input.png"))


def test_pair_downsampler() -> None:
    # D1 averages the anti-diagonal of each 2x2 block, D2 the diagonal; channels stay separate
    x = torch.tensor([[[1.0, 2.0], [4.0, 8.0]], [[0.0, 6.0], [2.0, 10.0]]])[None]
    d1, d2 = pair_downsample(x)
    assert d1.shape == d2.shape == (1, 2, 1, 1)
    assert d1.flatten().tolist() == [3.0, 4.0]
    assert d2.flatten().tolist() == [4.5, 5.0]
    d1, d2 = pair_downsample(torch.zeros(1, 3, 5, 7))
    assert d1.shape == d2.shape == (1, 3, 2, 3)


def test_improves_psnr_on_camera_crop(zs_n2n_record: PipelineRecord, ctx: RunContext) -> None:
    clean = clean_camera()[96:160, 96:160]
    noisy = add_noise(clean, sigma=25.0, seed=0)
    out = run(png(noisy), zs_n2n_record, ctx, iterations=300)
    before, after = psnr(noisy, clean, 255.0), psnr(out.array, clean, 255.0)
    # measured: 21.17 dB -> 26.36 dB (+5.2 dB) on CPU
    assert after - before >= 4.5, (before, after)
    assert out.array.dtype == np.float32
    assert out.array.min() >= 0 and out.array.max() <= 255
    assert set(ctx.timings) == {"train", "denoise"}


def test_same_seed_gives_identical_output(zs_n2n_record: PipelineRecord) -> None:
    noisy = add_noise(clean_camera()[200:232, 200:232], seed=1)

    def once(seed: int) -> np.ndarray:
        ctx = RunContext(device=torch.device("cpu"), seed=seed, show_progress=False)
        return run(png(noisy), zs_n2n_record, ctx, iterations=10).array

    first = once(0)
    np.testing.assert_array_equal(first, once(0))
    assert not np.array_equal(first, once(1))


@pytest.mark.parametrize(("shape", "axes"), [((3, 16, 12), "DHW"), ((16, 12, 3), "HWD"), ((16, 12, 3), "HWC"),
                                             ((16, 12, 4), "HWC")])
def test_volumes_and_colour_keep_their_shape(shape: tuple[int, ...], axes: str, zs_n2n_record: PipelineRecord,
                                            ctx: RunContext) -> None:
    array = np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8)
    out = run(png(array, axes), zs_n2n_record, ctx, iterations=5)
    assert out.array.shape == shape and out.axes == axes and out.format == "png"
    assert 0 <= out.array.min() and out.array.max() <= 255


def test_slices_are_denoised_independently(zs_n2n_record: PipelineRecord, ctx: RunContext) -> None:
    """Slice i of a volume is that slice alone with seed + i (the rule of denoisekit.layouts.for_each_slice):
    identical slices get independent fits."""
    image = add_noise(clean_camera()[:16, :16]).astype(np.float64)
    volume = np.stack([image, image[::-1], image])
    out = run(Sample(volume, "DHW", "npy"), zs_n2n_record, ctx, iterations=5).array
    for i in range(3):
        alone = RunContext(device=ctx.device, seed=ctx.seed + i, show_progress=False)
        single = run(Sample(volume[i], "HW", "npy"), zs_n2n_record, alone, iterations=5).array
        np.testing.assert_allclose(out[i], single, rtol=1e-5)
    assert np.abs(out[0] - out[2]).max() > 1.0


def test_float_input_is_clipped_to_its_range(zs_n2n_record: PipelineRecord, ctx: RunContext) -> None:
    array = np.random.default_rng(0).normal(size=(16, 16))
    out = run(Sample(array, "HW", "npy"), zs_n2n_record, ctx, iterations=5).array
    assert out.dtype == np.float64
    assert array.min() <= out.min() and out.max() <= array.max()


@pytest.mark.parametrize(("array", "axes", "match"), [
    (np.ones((8, 8), np.complex64), "HW", "complex"),
    (np.ones((1, 8), np.float32), "HW", "at least 2x2"),
    (np.ones((8, 8), np.float32), "DC", "needs H and W"),
])
def test_bad_inputs(array: np.ndarray, axes: str, match: str, zs_n2n_record: PipelineRecord,
                    ctx: RunContext) -> None:
    with pytest.raises(InputError, match=match) as info:
        run(Sample(array, axes, "npy", path=Path("bad.npy")), zs_n2n_record, ctx, iterations=1)
    assert "bad.npy" in str(info.value)
