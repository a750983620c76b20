"""DeviceLoader: same seed same batches, shards of a world of 2, mid-epoch resume, CPU runs without CUDA."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from denoisekit.data import ArrayDataset, DeviceLoader


def run(loader: DeviceLoader, epochs: int = 1) -> list[dict[str, torch.Tensor]]:
    return [batch for _ in range(epochs) for batch in loader]


def same(a: list[dict[str, torch.Tensor]], b: list[dict[str, torch.Tensor]]) -> bool:
    return len(a) == len(b) and all(x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)
                                    for x, y in zip(a, b, strict=True))


def ids(batches: list[dict[str, torch.Tensor]]) -> list[int]:
    return [int(v) for b in batches for v in b["x"][:, 0, 0, 0]]


def make(arrays: list[np.ndarray], noise: Callable, **kw) -> DeviceLoader:
    options = {"batch_size": 3, "degrade": noise, "patch": (3, 3), "flips": (0, 1), "generator": 7} | kw
    return DeviceLoader(ArrayDataset(arrays), "cpu", **options)


def test_same_seed_same_batches(labelled: list[np.ndarray], noise: Callable) -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.random((1, 6, 6), dtype=np.float32) for _ in range(8)]
    first = run(make(arrays, noise), epochs=2)
    assert same(first, run(make(arrays, noise), epochs=2))
    assert same(first, run(make(arrays, noise, generator=torch.Generator().manual_seed(7)), epochs=2))
    other = run(make(arrays, noise, generator=8), epochs=2)
    assert not same(first, other)
    assert first[0]["y"].shape == (3, 1, 3, 3) and first[0]["y"].device.type == "cpu"
    assert not torch.equal(first[0]["y"], first[0]["x"])
    # the second epoch is another shuffle with other noise
    assert not same(first[:3], first[3:])


def test_two_ranks_get_disjoint_shards_that_cover(labelled: list[np.ndarray], noise: Callable) -> None:
    shards = [ids(run(make(labelled, noise, patch=None, flips=(), rank=r, world_size=2))) for r in range(2)]
    assert len(shards[0]) == len(shards[1]) == 5
    assert not set(shards[0]) & set(shards[1])
    assert sorted(shards[0] + shards[1]) == list(range(10))
    loaders = [make(labelled, noise, rank=r, world_size=2) for r in range(2)]
    assert len(loaders[0]) == len(loaders[1]) == 2


def test_world_from_torch_distributed(labelled: list[np.ndarray], noise: Callable, tmp_path: Path) -> None:
    torch.distributed.init_process_group("gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1)
    try:
        loader = make(labelled, noise)
        assert (loader.sampler.rank, loader.sampler.world_size) == (0, 1)
        assert make(labelled, noise, rank=1, world_size=2).sampler.rank == 1  # explicit arguments win
    finally:
        torch.distributed.destroy_process_group()


def test_resume_mid_epoch_gives_the_remaining_batches(labelled: list[np.ndarray], noise: Callable) -> None:
    full = run(make(labelled, noise), epochs=2)  # 4 batches per epoch
    interrupted = make(labelled, noise)
    head = []
    for batch in interrupted:
        head.append(batch)
        if len(head) == 2:
            break
    state = interrupted.state_dict()
    assert (state["epoch"], state["position"]) == (0, 2)
    resumed = make(labelled, noise)
    resumed.load_state_dict(state)
    assert same(full, head + run(resumed, epochs=2)[:6])


def test_epochs_advance_and_set_epoch(labelled: list[np.ndarray], noise: Callable) -> None:
    loader = make(labelled, noise)
    run(loader)
    assert loader.state_dict()["epoch"] == 1 and loader.state_dict()["position"] == 0
    second = run(loader)
    loader.set_epoch(1)
    assert same(second, run(loader))


def test_cuda_is_never_initialised_on_cpu(npy_files: list[Path], tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import numpy as np, torch
        from denoisekit.data import DeviceLoader, FileDataset
        torch.set_num_threads(1)
        paths = {[str(p) for p in npy_files]!r}
        def noise(batch, g):
            return {{**batch, "y": batch["x"] + torch.randn(batch["x"].shape, generator=g, device=batch["x"].device)}}
        for options in ({{}}, {{"cache_dir": {str(tmp_path / "cache")!r}, "num_workers": 1}}):
            loader = DeviceLoader(FileDataset(paths, np.load), "cpu", 4, degrade=noise, patch=(5, 5), flips=(0,),
                                  **options)
            for _ in range(2):
                for batch in loader:
                    assert batch["y"].device.type == "cpu"
        print("initialised:", torch.cuda.is_initialized())
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "initialised: False" in proc.stdout


def test_progress_is_reported(labelled: list[np.ndarray]) -> None:
    calls = []

    def progress(items, description, total):
        calls.append((description, total))
        yield from items

    DeviceLoader(ArrayDataset(labelled), "cpu", 2, progress=progress)
    assert calls == [("Decoding the dataset", 10)]


def test_bad_arguments() -> None:
    arrays = [np.zeros((1, 4, 4), np.float32)]
    with pytest.raises(ValueError, match="policy 'stack'"):
        DeviceLoader(ArrayDataset(arrays), "cpu", 1, policy="stack")
    with pytest.raises(ValueError, match="on_error"):
        DeviceLoader(ArrayDataset(arrays), "cpu", 1, on_error="ignore")
    with pytest.raises(ValueError, match="flips"):
        DeviceLoader(ArrayDataset(arrays), "cpu", 1, flips=(2,))
    with pytest.raises(ValueError, match="needs 2 sizes"):
        DeviceLoader(ArrayDataset(arrays), "cpu", 1, patch=(2, 2, 2))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (none on this machine)")
def test_cuda_batches_are_on_the_device_and_reproducible(npy_files: list[Path], noise: Callable,
                                                         tmp_path: Path) -> None:
    from denoisekit.data import FileDataset

    for options in ({}, {"cache_dir": tmp_path / "cache", "num_workers": 1}):
        def build(options=options):
            return DeviceLoader(FileDataset(npy_files, np.load), "cuda", 4, degrade=noise, patch=(5, 5),
                                flips=(0, 1), generator=3, **options)
        first = run(build(), epochs=2)
        assert all(t.device.type == "cuda" for b in first for t in b.values())
        assert same(first, run(build(), epochs=2))
