"""hsi/diffusion3d: patching, the shipped prior, and training on a folder (checkpoints and resume)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from denoisekit_hsi.diffusion3d.fit import fit
from denoisekit_hsi.diffusion3d.patches import blend, grid, split, starts
from denoisekit_hsi.diffusion3d.prior import load_prior, shipped_weights
from denoisekit_hsi.diffusion_records import DIFFUSION3D_PIPELINE, TRAINING_OPTIONS, TRAINING_TEST_CONFIG
from denoisekit_hsi.formats import write_envi
from denoisekit_hsi.metrics import mpsnr
from denoisekit_hsi.sample import make_cube

from denoisekit.api import InputError, RunContext, Sample, TrainingData


def test_patch_starts_cover_the_axis():
    assert starts(10, 4, 3) == [0, 3, 6]
    assert starts(11, 4, 3) == [0, 3, 6, 7]
    assert starts(4, 4, 2) == [0]
    with pytest.raises(ValueError):
        starts(3, 4, 2)


def test_split_then_blend_gives_back_the_cube():
    """Odd sizes and several overlaps: blend(split(x)) == x to float64 rounding."""
    x = torch.rand(11, 13, 9, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for patch, stride in (((4, 8, 8), (2, 4, 4)), ((11, 5, 3), (11, 2, 1)), ((4, 4, 4), (4, 4, 4))):
        origins = grid(x.shape, patch, stride)
        torch.testing.assert_close(blend(split(x, patch, origins), origins, x.shape), x, rtol=0, atol=1e-12)


def test_blend_averages_disagreeing_patches_with_the_window():
    """Two patches overlapping on one voxel column: the blend there is the window-weighted mean of the two."""
    patches = torch.stack([torch.zeros(1, 1, 4), torch.ones(1, 1, 4)]).double()
    origins = [(0, 0, 0), (0, 0, 2)]
    out = blend(patches, origins, (1, 1, 6))
    assert out[0, 0, :2].eq(0).all() and out[0, 0, 4:].eq(1).all()
    assert 0 < float(out[0, 0, 2]) < 1 and float(out[0, 0, 2]) + float(out[0, 0, 3]) == pytest.approx(1.0)


def _config(**changes):
    return DIFFUSION3D_PIPELINE.defaults() | changes


def test_shipped_prior_gains_mpsnr_on_a_small_noisy_cube():
    """A 16x16x8 simulated cube (seed 0, never trained on), sigma = 0.1: the MMSE step D(y, sigma) of the shipped
    prior gains at least 3 dB MPSNR over the noisy input, and two DDIM steps from the input at least 3 dB
    (measured: 19.95 -> 23.86 and 23.91 dB)."""
    clean = make_cube(16, 16, 8, seed=0)
    noisy = clean + 0.1 * np.random.default_rng(1).standard_normal(clean.shape).astype(np.float32)
    before = mpsnr(noisy, clean, 1.0)
    ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
    pipeline = DIFFUSION3D_PIPELINE.factory()
    for steps in (0, 2):
        out = pipeline(Sample(noisy, "HWC", "npy"), _config(steps=steps, clip=False), ctx).sample
        assert out.array.shape == clean.shape
        assert mpsnr(out.array, clean, 1.0) > before + 3, (steps, before, mpsnr(out.array, clean, 1.0))


def test_load_prior_refuses_other_files(tmp_path):
    bad = tmp_path / "w.pt"
    torch.save({"state_dict": {}}, bad)
    with pytest.raises(InputError, match="not hsi/diffusion3d weights"):
        load_prior(bad)
    assert load_prior(shipped_weights()).patch == (8, 16, 16)


def _cubes(folder: Path) -> Path:
    folder.mkdir()
    for i, bands in enumerate((6, 9)):
        np.save(folder / f"c{i}.npy", make_cube(12, 10, bands, seed=i))
    (folder / "notes.txt").write_text("not a cube")
    return folder


def _train(host, data: Path, out: Path, steps: int, notes: dict | None = None) -> dict:
    config = {o.name: o.default for o in TRAINING_OPTIONS} | TRAINING_TEST_CONFIG | {"iterations": steps}
    ctx = RunContext(device=torch.device("cpu"), seed=3, show_progress=False, host=host)
    fitted = fit(TrainingData.for_pipeline(host, "hsi/diffusion3d", data), out, config, ctx)
    if notes is not None:
        notes.update(fitted.notes)
    return dict(fitted.weights)


def test_fit_checkpoints_and_resumes_to_the_uninterrupted_weights(tmp_path, denoisekit_host):
    data = _cubes(tmp_path / "data")
    straight = _train(denoisekit_host, data, tmp_path / "a", 4)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["step-00000002.pt", "step-00000004.pt"]
    _train(denoisekit_host, data, tmp_path / "b", 2)
    resumed = _train(denoisekit_host, data, tmp_path / "b", 4)
    assert straight.keys() == resumed.keys()
    for k, v in straight["state_dict"].items():
        torch.testing.assert_close(resumed["state_dict"][k], v, rtol=0, atol=0, msg=k)
    initial = _train(denoisekit_host, data, tmp_path / "c", 1)["state_dict"]
    assert any(not torch.equal(initial[k], v) for k, v in straight["state_dict"].items())  # it trained

    weights = tmp_path / "weights.pt"
    torch.save(straight, weights)
    prior = load_prior(weights)
    assert prior.patch == (4, 8, 8)
    with pytest.raises(InputError, match=r"no cube file \(.hdr, .mat, .npy\)"):
        _train(denoisekit_host, tmp_path / "a", tmp_path / "d", 1)


def test_fit_reads_envi_cubes_through_the_hosts_readers(tmp_path, denoisekit_host):
    """The same cubes as ENVI (.hdr + .img, the binaries skipped) and as .npy train to the same weights."""
    npy = _cubes(tmp_path / "npy")
    envi = tmp_path / "envi"
    envi.mkdir()
    for path in sorted(npy.glob("*.npy")):
        write_envi(Sample(np.load(path), "HWC", "envi"), envi / f"{path.stem}.hdr")
    assert sorted(p.suffix for p in envi.iterdir()) == [".hdr", ".hdr", ".img", ".img"]
    notes: dict = {}
    from_envi = _train(denoisekit_host, envi, tmp_path / "a", 2, notes)["state_dict"]
    assert notes["cubes"] == 2
    from_npy = _train(denoisekit_host, npy, tmp_path / "b", 2)["state_dict"]
    for k, v in from_npy.items():
        torch.testing.assert_close(from_envi[k], v, rtol=0, atol=0, msg=k)
