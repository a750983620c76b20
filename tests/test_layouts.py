"""denoisekit.layouts: every adapter's canonical view and its exact way back; the one per-slice loop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from denoisekit.api import (
    INTERLEAVE_AXES,
    InputError,
    RunContext,
    Sample,
    as_audio,
    as_coils,
    as_cube,
    as_frames,
    as_stack,
    for_each_slice,
    to_view,
)

RNG = np.random.default_rng(0)


def complex_array(shape: tuple[int, ...]) -> np.ndarray:
    return (RNG.normal(size=shape) + 1j * RNG.normal(size=shape)).astype(np.complex64)


# (adapter, array, axes, the view's shape)
CASES = [
    (as_stack, RNG.integers(0, 255, (5, 6), dtype=np.uint8), "HW", (1, 1, 5, 6)),
    (as_stack, RNG.normal(size=(5, 6, 3)).astype(np.float32), "HWC", (1, 3, 5, 6)),
    (as_stack, RNG.integers(-1000, 3000, (4, 5, 6), dtype=np.int16), "HWD", (6, 1, 4, 5)),  # NIfTI order
    (as_stack, RNG.normal(size=(2, 3, 5, 6)), "TDHW", (6, 1, 5, 6)),
    (as_cube, RNG.normal(size=(7, 5, 6)).astype(np.float32), INTERLEAVE_AXES["bsq"], (1, 7, 5, 6)),
    (as_cube, RNG.integers(0, 4000, (5, 7, 6), dtype=np.uint16), INTERLEAVE_AXES["bil"], (1, 7, 5, 6)),
    (as_cube, RNG.normal(size=(5, 6, 7)).astype(np.float32), INTERLEAVE_AXES["bip"], (1, 7, 5, 6)),
    (as_coils, complex_array((8, 6)), "HW", (1, 1, 8, 6)),  # one complex image
    (as_coils, complex_array((4, 8, 6)), "KHW", (1, 4, 8, 6)),  # multi-coil k-space
    (as_coils, complex_array((8, 6, 3, 4)), "HWDK", (3, 4, 8, 6)),  # coils last, slices: one view per slice
    (as_audio, RNG.normal(size=100).astype(np.float32), "T", (1, 1, 100)),
    (as_audio, RNG.integers(-2**15, 2**15, (100, 2), dtype=np.int16), "TC", (1, 2, 100)),  # interleaved WAV
    (as_frames, RNG.normal(size=(3, 5, 6)).astype(np.float32), "THW", (1, 3, 1, 5, 6)),
    (as_frames, RNG.integers(0, 255, (3, 5, 6, 3), dtype=np.uint8), "THWC", (1, 3, 3, 5, 6)),
]


@pytest.mark.parametrize("contiguous", [True, False])
@pytest.mark.parametrize(("adapter", "array", "axes", "shape"), CASES)
def test_view_and_back_is_an_exact_round_trip(adapter, array: np.ndarray, axes: str, shape: tuple[int, ...],
                                              contiguous: bool) -> None:
    if not contiguous:  # the same values behind a non-contiguous, negatively strided view
        array = np.flip(np.asfortranarray(array), axis=0)
        assert not array.flags.c_contiguous
    sample = Sample(array, axes, "npy", rate=16000.0 if "T" in axes else None)
    exact = array.dtype == np.float64  # float32 views hold every other input exactly; dtype=None keeps float64
    view = adapter(sample, "test", dtype=None) if exact else adapter(sample, "test")
    assert view.array.shape == shape and view.array.flags.c_contiguous
    assert view.array.dtype == (array.dtype if exact else np.complex64 if array.dtype.kind == "c" else np.float32)
    back = view.restore(view.array.copy(), sample, keep_dtype=True)
    assert back.axes == axes and back.array.dtype == array.dtype
    np.testing.assert_array_equal(back.array, array)
    floats = view.restore(view.tensor(), sample)  # a tensor comes back too, as the input's float type
    assert floats.array.dtype == np.result_type(array.dtype, np.float32)
    np.testing.assert_array_equal(floats.array, array)


def test_the_view_puts_the_asked_axes_last_in_order() -> None:
    cube = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)  # BIL: (rows, bands, columns)
    view = as_cube(Sample(cube, "HCW", "envi"), "test")
    np.testing.assert_array_equal(view.array[0], cube.transpose(1, 0, 2))
    assert view.axes == "NCHW"


def test_float64_keeps_its_precision_with_dtype_none() -> None:
    x = RNG.normal(size=(5, 6))
    view = to_view(Sample(x, "HW", "npy"), "CHW", "test", required="HW", dtype=None)
    assert view.array.dtype == np.float64
    np.testing.assert_array_equal(view.restore(view.array, Sample(x, "HW", "npy")).array, x)


def test_audio_views_carry_the_rate() -> None:
    sample = Sample(np.zeros((2, 441), np.float32), "CT", "wav", rate=44100.0)
    assert as_audio(sample, "test").rate == 44100.0
    with pytest.raises(ValueError, match="rate"):
        Sample(np.zeros(4), "T", "wav", rate=0.0)


def test_clip_follows_the_input() -> None:
    image = np.array([[0, 10], [200, 255]], np.uint8)
    sample = Sample(image, "HW", "png")
    view = as_stack(sample, "test")
    assert view.restore(view.array + 100, sample, clip=True).array.max() == 255  # the dtype's range
    cube = np.array([[[100, 110], [120, 130]]], np.uint16).repeat(2, 0)  # (bands, H, W)
    cube_sample = Sample(cube, "CHW", "envi")
    cube_view = as_cube(cube_sample, "test")
    assert cube_view.restore(cube_view.array + 100, cube_sample, clip=True).array.max() == 130  # the data's range
    assert view.restore(view.array + 100, sample, clip=(0.0, 300.0)).array.max() == 300  # given bounds


@pytest.mark.parametrize(("adapter", "array", "axes", "match"), [
    (as_stack, np.ones((8, 8), np.complex64), "HW", "complex"),
    (as_stack, np.ones((1, 8), np.float32), "HW", "at least 2x2"),
    (as_stack, np.ones((8, 8), np.float32), "DC", "needs H and W axes"),
    (as_cube, np.ones((8, 8, 3), np.float32), "HWD", "needs C, H and W axes"),
    (as_audio, np.ones((8, 8), np.float32), "HW", "needs T axes"),
    (as_frames, np.ones((8, 8), np.float32), "HW", "needs T, H and W"),
    (as_stack, np.array([["a", "b"], ["c", "d"]]), "HW", "needs numbers"),
])
def test_what_an_adapter_cannot_use_is_an_input_error_naming_the_file(adapter, array, axes, match) -> None:
    with pytest.raises(InputError, match=match) as info:
        adapter(Sample(array, axes, "npy", path=Path("bad.npy")), "test")
    assert "bad.npy" in str(info.value)


def test_complex_stacks_need_complex_ok() -> None:
    x = complex_array((2, 5, 6))
    view = as_stack(Sample(x, "DHW", "npy"), "test", complex_ok=True)
    assert view.array.dtype == np.complex64 and view.array.shape == (2, 1, 5, 6)
    assert view.tensor().dtype == torch.complex64


# ------------------------------------------------------------------------------------------- the per-slice loop

def test_slice_i_draws_from_ctx_generator_i_and_gets_its_own_context(monkeypatch) -> None:
    ctx = RunContext(device=torch.device("cpu"), seed=7, show_progress=True)
    described = []

    def progress(items, description, total=None):
        described.append((description, total))
        yield from items

    monkeypatch.setattr(ctx, "progress", progress)
    shown = []

    def draw(image: np.ndarray, slice_ctx: RunContext) -> np.ndarray:
        shown.append(slice_ctx.show_progress)
        with slice_ctx.stage("fit"):
            seeds.append(slice_ctx.seed)
            return image + torch.rand(image.shape, generator=slice_ctx.generator(), dtype=torch.float64).numpy()

    slices = np.zeros((3, 2, 2))
    seeds: list[int] = []
    out = for_each_slice(ctx, slices, draw, "test: slices")
    for i in range(3):
        expected = torch.rand((2, 2), generator=ctx.generator(i), dtype=torch.float64).numpy()
        np.testing.assert_array_equal(out[i], expected)
    assert described == [("test: slices", 3)]
    assert shown == [False, False, False]  # only the bar over the slices
    assert seeds == [7, 8, 9] and ctx.seed == 7
    assert ctx.timings["fit"] > 0


def test_a_single_slice_is_the_run_itself() -> None:
    ctx = RunContext(device=torch.device("cpu"), seed=3, show_progress=True)
    seen = []

    def fn(image: np.ndarray, slice_ctx: RunContext) -> np.ndarray:
        seen.append((slice_ctx.seed, slice_ctx.show_progress))
        return image * 2

    out = for_each_slice(ctx, np.ones((1, 2, 2), np.float32), fn, "test: slices")
    assert seen == [(3, True)] and out.dtype == np.float32 and out.shape == (1, 2, 2)
