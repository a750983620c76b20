"""The ClearBuds fine-tuning additions: the multi-resolution STFT loss on analytic cases, babble replacing the
noise of a share of the crops at an SNR in range, and the pipeline's output mix through the CLI."""

import math

import numpy as np
import pytest
import soundfile as sf
import torch
from denoisekit_speech.clearbuds import ClearBuds, ClearBudsConfig
from denoisekit_speech.clearbuds_train import CascadeLoss, multi_resolution_stft, with_babble
from denoisekit_speech.sample import make_pair
from denoisekit_speech.simulate import snr_db

from denoisekit.testing import cli


def test_multi_resolution_stft_is_zero_on_the_reference_and_known_when_doubled():
    x = torch.randn(2, 4096, generator=torch.Generator().manual_seed(0))
    assert float(multi_resolution_stft(x, x)) == pytest.approx(0.0, abs=1e-6)
    # |2S| - |S| = |S|: spectral convergence 1, and the log magnitudes differ by log 2 in every bin
    assert float(multi_resolution_stft(2 * x, x)) == pytest.approx(1 + math.log(2), rel=1e-4)


def _pairs(n=6, length=8000):
    g = torch.Generator().manual_seed(1)
    return [(torch.randn(length, generator=g), torch.randn(length, generator=g)) for _ in range(n)]


def test_babble_replaces_the_noise_of_the_chosen_share_at_an_snr_in_range():
    pairs, g = _pairs(), torch.Generator().manual_seed(2)
    clean = torch.randn(64, 4000, generator=g)
    noisy = clean + 0.1 * torch.randn(64, 4000, generator=g)
    torch.testing.assert_close(with_babble(clean, noisy, pairs, 0.0, g), noisy)
    mixed = with_babble(clean, noisy, pairs, 1.0, g)
    snr = snr_db(clean, mixed)
    assert bool(((snr > -1e-3) & (snr < 15 + 1e-3)).all()) and float(snr.std()) > 2  # drawn in [0, 15] dB
    half = with_babble(clean, noisy, pairs, 0.5, g)
    kept = (half == noisy).all(-1)
    assert 16 < int(kept.sum()) < 48


def test_cascade_loss_with_the_spectral_term_and_babble_trains():
    config = ClearBudsConfig()
    model = ClearBuds(config)
    loss = CascadeLoss(config, 0.1, 2, spectral=1.0, babble=0.5)
    value = loss(model, _pairs(), torch.Generator().manual_seed(3))
    value.backward()
    assert torch.isfinite(value) and model.wave.encoder.weight.grad.abs().sum() > 0


def test_mix_one_gives_back_the_input_and_zero_the_network(tmp_path):
    clean, noisy = make_pair(seconds=1.0, rate=16000)
    sf.write(tmp_path / "in.wav", noisy, 16000, subtype="FLOAT")
    outs = {}
    for mix in ("0", "0.5", "1"):
        assert cli(["run", "speech/clearbuds", "-i", str(tmp_path / "in.wav"), "-o", str(tmp_path / mix),
                    "--set", f"mix={mix}"]) == 0
        outs[mix] = sf.read(tmp_path / mix / "in.wav")[0]
    np.testing.assert_allclose(outs["1"], noisy, atol=1e-6)
    np.testing.assert_allclose(outs["0.5"], 0.5 * outs["0"] + 0.5 * noisy, atol=1e-6)
    assert np.abs(outs["0"] - noisy).max() > 1e-2
