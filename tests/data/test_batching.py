"""Variable-size samples batched by each policy (crop, pad, bucket), and the random windows and flips."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from denoisekit.data import ArrayDataset, DeviceLoader
from denoisekit.data.augment import View, random_view
from denoisekit.data.batching import MASK_KEY, collate

SHAPES = [(8, 10), (12, 9), (9, 14), (8, 10), (10, 10)]


def ramp(shape: tuple[int, ...], start: int) -> np.ndarray:
    return (start * 1000 + np.arange(np.prod(shape), dtype=np.float32)).reshape(1, *shape)


@pytest.fixture
def varied() -> list[np.ndarray]:
    return [ramp(s, i) for i, s in enumerate(SHAPES)]


def window_of(patch: np.ndarray, image: np.ndarray) -> bool:
    """Whether ``patch`` (C, h, w) is a window of ``image`` (C, H, W), possibly flipped."""
    h, w = patch.shape[-2:]
    for a in range(image.shape[-2] - h + 1):
        for b in range(image.shape[-1] - w + 1):
            cut = image[..., a:a + h, b:b + w]
            for flipped in (cut, cut[..., ::-1, :], cut[..., :, ::-1], cut[..., ::-1, ::-1]):
                if np.array_equal(flipped, patch):
                    return True
    return False


def test_crop_cuts_to_the_smallest_size(varied: list[np.ndarray]) -> None:
    loader = DeviceLoader(ArrayDataset(varied), "cpu", 3, shuffle=False, flips=(0, 1))
    batches = list(loader)
    assert [tuple(b["x"].shape) for b in batches] == [(3, 1, 8, 9), (2, 1, 8, 10)]
    for b, batch in enumerate(batches):
        for k, x in enumerate(batch["x"].numpy()):
            assert window_of(x, varied[3 * b + k])


def test_pad_pads_and_masks(varied: list[np.ndarray]) -> None:
    loader = DeviceLoader(ArrayDataset(varied), "cpu", 3, shuffle=False, policy="pad")
    batches = list(loader)
    assert [tuple(b["x"].shape) for b in batches] == [(3, 1, 12, 14), (2, 1, 10, 10)]
    for b, batch in enumerate(batches):
        assert batch[MASK_KEY].dtype == torch.bool
        for k in range(batch["x"].shape[0]):
            original = varied[3 * b + k]
            h, w = original.shape[-2:]
            mask = batch[MASK_KEY][k, 0].numpy()
            assert mask[:h, :w].all() and mask.sum() == h * w
            np.testing.assert_array_equal(batch["x"][k, ..., :h, :w].numpy(), original)
            assert (batch["x"][k].numpy()[..., ~mask] == 0).all()


def test_pad_with_a_patch_cuts_larger_samples_and_pads_smaller_ones(varied: list[np.ndarray]) -> None:
    loader = DeviceLoader(ArrayDataset(varied), "cpu", 5, shuffle=False, policy="pad", patch=(10, 11))
    (batch,) = list(loader)
    assert batch["x"].shape == (5, 1, 10, 11)
    assert [int(m.sum()) for m in batch[MASK_KEY]] == [8 * 10, 10 * 9, 9 * 11, 8 * 10, 10 * 10]


def test_bucket_batches_one_shape(varied: list[np.ndarray]) -> None:
    loader = DeviceLoader(ArrayDataset(varied), "cpu", 2, policy="bucket", generator=1)
    seen = []
    for batch in loader:
        seen += [int(x.flatten()[0]) // 1000 for x in batch["x"]]
        assert tuple(batch["x"].shape[-2:]) in SHAPES
    assert sorted(seen) == list(range(len(SHAPES)))
    assert len(loader) == 4  # (8, 10) twice in one batch, the other shapes alone


def test_patch_larger_than_a_sample_is_refused_up_front(varied: list[np.ndarray]) -> None:
    with pytest.raises(ValueError, match=r"ArrayDataset\[0\].*smaller than the patch"):
        DeviceLoader(ArrayDataset(varied), "cpu", 2, patch=(9, 9))


def test_items_that_no_policy_can_batch_are_named() -> None:
    arrays = [np.zeros((1, 4, 4), np.float32), np.zeros((2, 4, 4), np.float32)]
    with pytest.raises(ValueError, match=r"ArrayDataset\[1\]: arrays .* do not match"):
        DeviceLoader(ArrayDataset(arrays), "cpu", 2)


def test_spatial_and_other_arrays_in_one_item() -> None:
    items = [{"x": ramp((6, 7), i), "y": ramp((6, 7), i) + 0.5, "mask": np.ones(7, np.float32),
              "sigma": np.float32(i)} for i in range(4)]
    loader = DeviceLoader(ArrayDataset(items), "cpu", 4, shuffle=False, patch=(4, 5), flips=(-1,))
    (batch,) = list(loader)
    assert batch["x"].shape == batch["y"].shape == (4, 1, 4, 5)
    assert batch["mask"].shape == (4, 7) and batch["sigma"].tolist() == [0, 1, 2, 3]
    torch.testing.assert_close(batch["y"] - batch["x"], torch.full_like(batch["x"], 0.5))  # same window


def test_view_cuts_and_flips() -> None:
    t = torch.arange(24.0).reshape(1, 4, 6)
    view = View((1, 2), (2, 3), (1,))
    np.testing.assert_array_equal(view.apply(t).numpy(), t.numpy()[:, 1:3, 2:5][..., ::-1])
    g = torch.Generator().manual_seed(0)
    views = [random_view((4, 6), (2, 3), (0, 1), g) for _ in range(300)]
    assert {v.starts for v in views} == {(a, b) for a in range(3) for b in range(4)}
    assert {v.flips for v in views} == {(), (0,), (1,), (0, 1)}


def test_collate_is_reproducible_from_its_seed(varied: list[np.ndarray]) -> None:
    items = [{"x": torch.from_numpy(a)} for a in varied]
    a, b = collate(items, 2, "crop", (5, 5), (0,), seed=7), collate(items, 2, "crop", (5, 5), (0,), seed=7)
    torch.testing.assert_close(a["x"], b["x"])
    assert not torch.equal(a["x"], collate(items, 2, "crop", (5, 5), (0,), seed=8)["x"])
