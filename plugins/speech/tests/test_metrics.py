"""The speech metrics against known answers."""

import numpy as np
import pytest
from denoisekit_speech.metrics import estoi, pesq_wb, si_sdr, si_sdr_1d
from denoisekit_speech.synth import synthesize

RATE = 16000


@pytest.fixture(scope="module")
def speech():
    return synthesize(2.0, RATE, seed=1).astype(np.float64)


def test_si_sdr_of_a_known_snr():
    rng = np.random.default_rng(0)
    s = rng.standard_normal(RATE)
    e = rng.standard_normal(RATE)
    s, e = s - s.mean(), e - e.mean()
    e = e - (e @ s) / (s @ s) * s  # orthogonal to s: SI-SDR is exactly the SNR
    e *= np.sqrt((s @ s) / (e @ e) / 10 ** (10 / 10))  # 10 dB
    assert si_sdr_1d(s + e, s) == pytest.approx(10.0, abs=1e-9)


def test_si_sdr_is_scale_invariant(speech):
    rng = np.random.default_rng(1)
    noisy = speech + 0.05 * rng.standard_normal(speech.size)
    base = si_sdr(noisy, speech)
    assert si_sdr(3.7 * noisy, speech) == pytest.approx(base, abs=1e-9)
    assert si_sdr(noisy, 0.2 * speech) == pytest.approx(base, abs=1e-9)
    assert si_sdr(-noisy, speech) == pytest.approx(base, abs=1e-9)  # the optimal scale may be negative


def test_si_sdr_averages_channels_along_t(speech):
    rng = np.random.default_rng(2)
    a = speech + 0.05 * rng.standard_normal(speech.size)
    b = speech + 0.2 * rng.standard_normal(speech.size)
    stereo, ref = np.stack([a, b], axis=1), np.stack([speech, speech], axis=1)
    assert si_sdr(stereo, ref, None, "TC") == pytest.approx((si_sdr_1d(a, speech) + si_sdr_1d(b, speech)) / 2)


def test_estoi_of_clean_is_one_and_drops_with_noise(speech):
    assert estoi(speech, speech) == pytest.approx(1.0, abs=1e-6)
    rng = np.random.default_rng(3)
    noisy = speech + 0.1 * rng.standard_normal(speech.size)
    assert estoi(noisy, speech) < 0.9


def test_pesq_of_clean_is_the_maximum_and_rate_is_resampled(speech):
    assert pesq_wb(speech, speech) == pytest.approx(4.644, abs=0.01)
    rng = np.random.default_rng(4)
    noisy = speech + 0.05 * rng.standard_normal(speech.size)
    low = pesq_wb(noisy, speech)
    assert low < 2.5
    from denoisekit_speech.resample import resample

    up_noisy, up_clean = resample(noisy, RATE, 48000), resample(speech, RATE, 48000)
    assert pesq_wb(up_noisy, up_clean, rate=48000) == pytest.approx(low, abs=0.1)
