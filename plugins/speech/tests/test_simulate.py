"""Simulated degradations: exact SNR, spectra, reverberation time."""

import numpy as np
import pytest
import torch
from denoisekit_speech.simulate import (
    add_noise,
    babble,
    colored_noise,
    mains_hum,
    pink_noise,
    reverberate,
    room_impulse_response,
    snr_db,
)

RATE = 16000


@pytest.mark.parametrize("target", [-5.0, 0.0, 5.0, 17.5])
def test_measured_snr_equals_the_target(target):
    g = torch.Generator().manual_seed(0)
    clean = torch.randn(3, RATE, generator=g) * torch.tensor([[0.1], [1.0], [3.0]])
    for noise in (pink_noise((3, RATE), g), 5 * torch.randn(3, RATE, generator=g)):
        noisy = add_noise(clean, noise, target)
        torch.testing.assert_close(snr_db(clean, noisy), torch.full((3,), target), atol=1e-3, rtol=0)


def test_pink_noise_falls_3_db_per_octave():
    g = torch.Generator().manual_seed(1)
    x = pink_noise((64, 4096), g)
    power = torch.fft.rfft(x).abs().pow(2).mean(0)
    f = torch.fft.rfftfreq(4096)
    octave = lambda lo: power[(f >= lo) & (f < 2 * lo)].mean()  # noqa: E731
    drop = 10 * torch.log10(octave(0.01) / octave(0.02))
    assert drop.item() == pytest.approx(3.0, abs=0.5)
    assert x.std(dim=-1).mean().item() == pytest.approx(1.0, abs=1e-4)
    brown = colored_noise((64, 4096), 2.0, g)
    power = torch.fft.rfft(brown).abs().pow(2).mean(0)
    assert (10 * torch.log10(octave(0.01) / octave(0.02))).item() == pytest.approx(6.0, abs=0.7)


def test_hum_has_power_only_at_the_mains_harmonics():
    x = mains_hum(RATE, RATE, mains=60.0, harmonics=4)
    spectrum = np.abs(np.fft.rfft(x.numpy())) ** 2  # 1 Hz bins
    top = set(np.argsort(spectrum)[-4:].tolist())
    assert top == {60, 120, 180, 240}
    assert spectrum[[60, 120, 180, 240]].sum() / spectrum.sum() > 0.999


def test_babble_is_a_unit_variance_sum():
    g = torch.Generator().manual_seed(2)
    utterances = [torch.sin(torch.arange(4000) * f) for f in (0.05, 0.11, 0.23)]
    b = babble(utterances, RATE, 4, g)
    assert b.shape == (RATE,) and b.std().item() == pytest.approx(1.0, abs=1e-5)


def test_room_reverberation_time_grows_with_the_target():
    def decay_time(rir):  # Schroeder backward integration, T20 extrapolated to 60 dB
        energy = np.cumsum(rir[::-1] ** 2)[::-1]
        db = 10 * np.log10(energy / energy[0])
        t5, t25 = np.argmax(db < -5), np.argmax(db < -25)
        return 3 * (t25 - t5) / RATE

    short, long = room_impulse_response(RATE, 0.3), room_impulse_response(RATE, 0.8)
    assert 0.15 < decay_time(short) < 0.6 < decay_time(long) < 1.5
    clean = torch.zeros(RATE)
    clean[100] = 1.0
    wet = reverberate(clean, torch.from_numpy(short))
    assert wet.shape == clean.shape
    np.testing.assert_allclose(wet[100:100 + 1000].numpy(), short[:1000], atol=1e-5)


def test_direct_path_target_is_aligned_with_the_reverberant_signal():
    from denoisekit_speech.simulate import direct_path

    rir = room_impulse_response(RATE, 0.6, source=(1.0, 1.0, 1.5), mic=(4.0, 3.5, 1.2))
    direct = direct_path(rir, RATE)
    peak = int(np.argmax(np.abs(rir)))
    assert peak > 0 and np.count_nonzero(direct[peak + int(0.0025 * RATE):]) == 0
    g = torch.Generator().manual_seed(3)
    x = torch.randn(RATE, generator=g)
    wet, dry = reverberate(x, torch.from_numpy(rir)), reverberate(x, torch.from_numpy(direct))
    corr = np.correlate(wet.numpy(), dry.numpy(), mode="full")
    assert abs(int(np.argmax(corr)) - (RATE - 1)) <= 2  # no lag between the pair
    assert snr_db(dry, wet).item() < 5  # the reverberant tail carries much of the energy at RT60 0.6 s
