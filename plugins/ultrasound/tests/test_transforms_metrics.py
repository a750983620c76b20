"""Envelope, log compression and mu-law against known values; gCNR, CNR, KS and PSNR on analytic cases."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from denoisekit_ultrasound.metrics import cnr, gcnr, ks, psnr_db, regions_from_reference, to_db, us_gcnr
from denoisekit_ultrasound.transforms import envelope, log_compress, log_expand, mu_law, mu_law_inverse


def test_envelope_of_a_modulated_pulse_is_its_amplitude():
    t = np.arange(2048) / 40e6
    amp = np.exp(-(((t - t.mean()) / 5e-6) ** 2))
    rf = amp * np.cos(2 * np.pi * 5e6 * t)
    assert np.abs(envelope(rf)[200:-200] - amp[200:-200]).max() < 1e-3
    iq = amp * np.exp(1j * 0.3)
    assert np.allclose(envelope(iq), amp)


def test_log_compression_known_values_and_inverse():
    env = np.array([1.0, 0.1, 0.01, 1e-6])
    assert np.allclose(log_compress(env), [0.0, -20.0, -40.0, -60.0])
    assert np.allclose(log_compress(env, 30), [0.0, -20.0, -30.0, -30.0])
    assert np.allclose(log_expand(log_compress(env[:3])), env[:3])


def test_mu_law_values_round_trip_numpy_and_torch():
    assert mu_law(np.array([0.0, 1.0, -1.0])).tolist() == [0.0, 1.0, -1.0]
    assert mu_law(np.array([1 / 255])) == pytest.approx(np.log(2) / np.log(256))
    x = np.linspace(-1, 1, 101)
    assert np.abs(mu_law_inverse(mu_law(x)) - x).max() < 1e-12
    xt = torch.linspace(-1, 1, 101, dtype=torch.float64)
    assert torch.allclose(mu_law_inverse(mu_law(xt)), xt)
    assert torch.allclose(mu_law(xt), torch.from_numpy(mu_law(xt.numpy())))


def test_gcnr_identical_and_disjoint_distributions():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, 5000)
    assert gcnr(a, a) == pytest.approx(0.0, abs=1e-12)
    assert gcnr(a, a + 100) == pytest.approx(1.0)
    # two unit Gaussians d apart overlap by 2 Phi(-d/2): gCNR = 1 - 2 Phi(-d / 2)
    from scipy.stats import norm

    b = rng.normal(2.0, 1, 200000)
    c = rng.normal(0.0, 1, 200000)
    assert gcnr(b, c) == pytest.approx(1 - 2 * norm.cdf(-1.0), abs=0.02)


def test_cnr_ks_psnr_known_values():
    assert cnr(np.array([1.0, 3.0]), np.array([-1.0, -3.0])) == pytest.approx(4.0 / np.sqrt(2.0))
    assert ks(np.arange(10.0), np.arange(10.0)) == 0.0
    assert ks(np.arange(10.0), np.arange(10.0) + 100) == 1.0
    assert ks(np.arange(10.0), np.arange(5.0, 15.0)) == pytest.approx(0.5)
    ref = np.full((4, 4), -30.0)
    assert psnr_db(ref + 6.0, ref, 60.0) == pytest.approx(20 * np.log10(10.0))


def test_db_of_iq_and_regions_from_reference():
    iq = np.zeros((1, 8, 8, 2))
    iq[0, :, :, 0] = 1.0
    iq[0, :4, :, 0] = 0.001
    db = to_db(iq, "THWC")
    assert db.shape == (1, 8, 8) and db.max() == 0.0 and db.min() == pytest.approx(-60.0)
    image = np.ones((40, 40))
    image[10:30, 10:30] = 0.0
    r = regions_from_reference(to_db(image, "HW"))
    assert r["cavity"][20, 20] and not r["cavity"][2, 2] and r["myocardium"][2, 2]
    assert us_gcnr(image, image, None, "HW") == pytest.approx(1.0)
