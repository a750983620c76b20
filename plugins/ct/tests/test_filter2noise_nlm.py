"""Non-local means in ``ct/filter2noise``. As a candidate of ``strength=sure`` (option ``nlm_candidate``, not the
default): its black-box Monte-Carlo SURE against the true error under a known correlated noise, the pipeline's pick
on two simulated images where the better candidate is known by a wide margin (one each way), and the option through
the CLI (docs/domains/ct-filter2noise.md, "Session 9b"); these run with ``nlm_blend=0`` (the filter alone). As a
share of the output (``nlm_blend``, the default 0.3): the output is the weighted average of the two, and on a
phantom it beats both (session 10)."""

from __future__ import annotations

import json

import numpy as np
import torch
import torch.nn.functional as F
from denoisekit_ct.ct_metrics import ct_psnr
from denoisekit_ct.denoise_sample import head_phantom
from denoisekit_ct.filter2noise.nlm_candidate import NLM_H_PER_SIGMA, flat_sigma, nlm_denoiser, nlm_hu
from denoisekit_ct.filter2noise.sure_strength import sure_risk
from scipy.ndimage import gaussian_filter

from denoisekit.api import RunContext, Sample
from denoisekit.testing import cli

torch.set_num_threads(1)

FAST = {"iterations": 30, "crop": 32, "batch": 2, "nlm_blend": 0.0}


def test_black_box_sure_of_nlm_matches_its_true_error_under_correlated_noise(binomial_noise):
    """The 96 x 96 head phantom (values / 1000) with binomial-correlated noise of std 0.1 and a probe drawn from the
    same distribution: over four noise draws the finite-difference SURE of NLM (h = 1 and 1.8 sigma) is within 10 %
    of its mean true squared error (one draw: within about 20 %), and every draw ranks NLM far below a 5 x 5 box
    filter, as the truth does."""
    clean = torch.from_numpy(head_phantom(96, 0)[0].astype(np.float64))[None, None] / 1000
    sigma = 0.1

    def box(v: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(F.pad(v, (2, 2, 2, 2), mode="reflect"), 5, 1)

    for factor in (1.0, 1.8):
        denoiser = nlm_denoiser(factor * sigma)
        estimates, truths = [], []
        for seed in range(4):
            y = clean + sigma * binomial_noise(clean.shape, seed)
            probe = sigma * binomial_noise(clean.shape, 100 + seed)
            std, weight = torch.full_like(y, sigma), torch.ones_like(y)
            estimates.append(float(sure_risk(denoiser, y, std, probe, weight, 0.01).mean()))
            truths.append(float((denoiser(y) - clean).square().mean()))
            box_estimate = float(sure_risk(box, y, std, probe, weight, 0.01).mean())
            assert estimates[-1] < box_estimate / 5 and truths[-1] < float((box(y) - clean).square().mean()) / 5
        assert abs(np.mean(estimates) / np.mean(truths) - 1) < 0.1


def run_filter2noise(noisy: np.ndarray, **overrides) -> tuple[np.ndarray, dict]:
    from denoisekit_ct import denoising_records

    record = next(p for p in denoising_records.PIPELINES if p.name == "filter2noise")
    ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
    result = record.factory()(Sample(noisy, "HW", "npy", {}), {**record.defaults(), **overrides}, ctx)
    return result.sample.array, result.notes


def test_sure_picks_nlm_where_it_is_far_better():
    """The 96 x 96 head phantom (piecewise constant) with white noise of 60 HU (seed 1): NLM (h = 1.8 x the flat
    window's std) scores 31.5 dB, the fitted filter at SURE's scales 30.0 dB; with ``nlm_candidate`` SURE picks NLM
    and the output is NLM's. (At 40 HU, seed 0, it keeps the filter where NLM is 2.7 dB better: a weakly fitted
    filter's residual can under-state the noise level, which over-states NLM's risk; see the domain page.)"""
    clean = head_phantom(96, 0)[0]
    noise = np.random.default_rng(1).standard_normal(clean.shape)
    noisy = (clean + 60 * noise / noise.std()).astype(np.float32)
    out, notes = run_filter2noise(noisy, nlm_candidate=True, **FAST)
    filtered, plain_notes = run_filter2noise(noisy, **FAST)
    peer = nlm_hu(noisy, NLM_H_PER_SIGMA * flat_sigma(noisy))
    assert notes["sure_pick"] == ["nlm"] and "sure_pick" not in plain_notes
    assert notes["nlm_h_hu"] == [round(NLM_H_PER_SIGMA * flat_sigma(noisy), 2)]
    np.testing.assert_allclose(out, peer, atol=1e-3)
    assert ct_psnr(out, clean) > ct_psnr(filtered, clean) + 1.0


def test_sure_keeps_the_filter_where_nlm_is_far_worse():
    """A 64 x 64 smooth random texture (Gaussian-filtered white noise, std 50 HU, around 40 HU) with white noise of
    10 HU: the flattest window's std is mostly texture, so NLM's h is far too large and it scores 21.3 dB against the
    filter's 35.4 dB; with ``nlm_candidate`` SURE keeps the filter and the output is the defaults' (same fit)."""
    rng = np.random.default_rng(0)
    texture = gaussian_filter(rng.standard_normal((64, 64)), 2.0)
    clean = (40 + 50 * texture / texture.std()).astype(np.float32)
    noise = rng.standard_normal(clean.shape)
    noisy = (clean + 10 * noise / noise.std()).astype(np.float32)
    out, notes = run_filter2noise(noisy, nlm_candidate=True, **FAST)
    filtered, _ = run_filter2noise(noisy, **FAST)
    peer = nlm_hu(noisy, NLM_H_PER_SIGMA * flat_sigma(noisy))
    assert notes["sure_pick"] == ["filter2noise"]
    np.testing.assert_array_equal(out, filtered)
    assert ct_psnr(out, clean) > ct_psnr(peer, clean) + 5.0


def test_nlm_candidate_through_the_cli(tmp_path, capsys):
    """``--set nlm_candidate=true`` through ``denoisekit run`` on the phantom above as .npy: run.json lists the pick
    and NLM's h per slice and the output is NLM's; with ``strength=fit`` the option is a one-line error (exit 2)
    that writes nothing."""
    clean = head_phantom(96, 0)[0]
    noise = np.random.default_rng(1).standard_normal(clean.shape)
    noisy = (clean + 60 * noise / noise.std()).astype(np.float32)
    np.save(tmp_path / "x.npy", noisy)
    fast = [arg for key, value in FAST.items() for arg in ("--set", f"{key}={value}")] + ["--quiet"]
    out = tmp_path / "out"
    code = cli(["run", "ct/filter2noise", "-i", str(tmp_path / "x.npy"), "-o", str(out), *fast,
                "--set", "nlm_candidate=true"])
    assert code == 0, capsys.readouterr().err
    notes = json.loads((out / "run.json").read_text())["notes"]
    h = NLM_H_PER_SIGMA * flat_sigma(noisy)
    assert notes["sure_pick"] == ["nlm"] and notes["nlm_h_hu"] == [round(h, 2)]
    np.testing.assert_allclose(np.load(out / "x.npy"), nlm_hu(noisy, h), atol=1e-3)
    capsys.readouterr()
    code = cli(["run", "ct/filter2noise", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "bad"), *fast,
                "--set", "nlm_candidate=true", "--set", "strength=fit"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "nlm_candidate" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "bad").exists()


def test_default_nlm_blend_beats_the_filter_and_nlm_on_the_crop_that_lost(tuning_crop_1e4):
    """The tuning crop where the filter alone (``nlm_blend=0``) scored 36.18 dB, below NLM (7/11, h = 1.8 x the flat
    window's std) at 36.37: the defaults (``nlm_blend=0.3``) score 36.58, above both; the output is the weighted
    average of the filter's (same seed, same fit) and NLM's, and run.json's notes name the share and h."""
    noisy, reference = tuning_crop_1e4
    blended, notes = run_filter2noise(noisy)
    filtered, plain_notes = run_filter2noise(noisy, nlm_blend=0.0)
    h = NLM_H_PER_SIGMA * flat_sigma(noisy)
    peer = nlm_hu(noisy, h)
    np.testing.assert_allclose(blended, 0.7 * filtered + 0.3 * peer, atol=0.05)  # HU
    assert notes["nlm_blend"] == 0.3 and notes["nlm_h_hu"] == [round(h, 2)] and "nlm_blend" not in plain_notes
    assert ct_psnr(blended, reference) > ct_psnr(peer, reference) + 0.1
    assert ct_psnr(blended, reference) > ct_psnr(filtered, reference) + 0.3
