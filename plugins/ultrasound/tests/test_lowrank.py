"""ultrasound/lowrank-dehaze: the singular-value soft threshold against its closed form, the low-rank haze
update recovering a static haze image exactly up to the threshold's shrinkage, and the pipeline end to end on
the sample's sequence through the CLI (its haze extra, its output in the input's form)."""

from __future__ import annotations

import json
import math

import numpy as np
import torch
from denoisekit_ultrasound.lowrank import LowRankConsistency, singular_value_threshold
from denoisekit_ultrasound.transforms import mu_law

from denoisekit.api import EulerMaruyama
from denoisekit.testing import cli


def test_singular_value_threshold_shrinks_each_singular_value():
    g = torch.Generator().manual_seed(0)
    u, _ = torch.linalg.qr(torch.randn(6, 4, generator=g, dtype=torch.float64))
    v, _ = torch.linalg.qr(torch.randn(30, 4, generator=g, dtype=torch.float64))
    s = torch.tensor([10.0, 5.0, 2.0, 0.5], dtype=torch.float64)
    m = (u * s) @ v.T
    out = singular_value_threshold(m, 1.5)
    assert torch.allclose(out, (u * torch.tensor([8.5, 3.5, 0.5, 0.0], dtype=torch.float64)) @ v.T, atol=1e-10)
    assert torch.allclose(singular_value_threshold(m, 0.0), m, atol=1e-10)
    assert torch.count_nonzero(singular_value_threshold(m, 20.0)) == 0


def test_static_haze_goes_to_the_low_rank_part():
    """Y = B + L with L the same non-negative image in every frame and the estimate's dB image exactly B: the
    haze estimate is L shrunk by tau / (||L||_F sqrt(T)) (its one singular value is ||L||_F sqrt(T)), and with
    strength 1 the new dB image is Y - L_hat."""
    rng = np.random.default_rng(0)
    frames, nz, nx = 5, 12, 10
    tissue = rng.uniform(0.002, 0.04, (frames, 2, nz, nx)) * rng.choice([-1.0, 1.0], (frames, 2, nz, nx))
    x0 = torch.as_tensor(mu_law(tissue))
    sampler = LowRankConsistency(EulerMaruyama(), strength=1.0, threshold=2.0, scale=1.0)
    b = sampler.db(x0)
    haze = torch.as_tensor(rng.uniform(0.0, 10.0, (nz, nx)))[None, None].expand(frames, 1, nz, nx)
    y = b + haze  # B below -25 dB: Y stays a dB image
    assert float(y.max()) < 0.0
    out = sampler.consistent(x0, 0.1, y, None, None)
    norm = float(haze.norm())  # = ||L_frame||_F sqrt(T)
    expected = haze * (1 - 2.0 * math.sqrt(nz * nx) / norm)
    assert torch.allclose(sampler.haze, expected, atol=1e-6)
    assert torch.allclose(sampler.db(out), y - sampler.haze, atol=1e-4)


def test_lowrank_dehaze_runs_on_the_sample_sequence(tmp_path):
    from denoisekit_ultrasound.datasets import build_sequence_sample
    from denoisekit_ultrasound.zea_format import read_zea

    d = build_sequence_sample(tmp_path / "sample")
    out = tmp_path / "out"
    assert cli(["run", "ultrasound/lowrank-dehaze", "--input", str(d.input), "--reference", str(d.reference),
                "--output", str(out), "--set", "steps=4", "--set", "t_start=0.5", "--quiet"]) == 0
    result = read_zea(out / d.input.name)
    source = read_zea(d.input)
    assert result.array.shape == source.array.shape and np.isfinite(result.array).all()
    run = json.loads((out / "run.json").read_text())
    assert run["notes"]["steps"] == 2
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["output"]) >= {"us_gcnr", "us_ks_myocardium"}
