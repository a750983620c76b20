"""speech/wiener raises SI-SDR and ESTOI on speech-like signal in white noise, any rate, per channel."""

import numpy as np
import pytest
import soundfile as sf
import torch
from denoisekit_speech.metrics import estoi, si_sdr
from denoisekit_speech.simulate import add_noise
from denoisekit_speech.synth import synthesize
from denoisekit_speech.wiener import spp_noise_tracker, wiener_enhance

from denoisekit.testing import cli


def _noisy(rate: int, snr: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    clean = synthesize(3.0, rate, seed=seed, f0=210.0)
    g = torch.Generator().manual_seed(seed)
    noisy = add_noise(torch.from_numpy(clean), torch.randn(clean.size, generator=g), snr).numpy()
    return clean, noisy


@pytest.mark.parametrize("rate", [16000, 48000])
def test_wiener_raises_si_sdr_and_estoi_at_5_db(rate):
    clean, noisy = _noisy(rate, 5.0)
    out = wiener_enhance(noisy[None], rate)[0]
    assert out.shape == noisy.shape
    assert si_sdr(out, clean) > si_sdr(noisy, clean) + 3.0
    assert estoi(out, clean, rate=rate) > estoi(noisy, clean, rate=rate) + 0.02


def test_noise_tracker_follows_a_stationary_noise_floor():
    rng = np.random.default_rng(0)
    power = rng.exponential(2.0, size=(400, 33))  # |N|^2 of complex Gaussian noise of variance 2
    power[150:200, :10] *= 100  # a burst of "speech" in the low bins
    noise = spp_noise_tracker(power)
    # the fixed-xi_H1 SPP estimator settles about 1.2 dB below a stationary noise's power (measured: 0.76 of it)
    assert noise[-100:].mean() == pytest.approx(2.0 * 0.76, rel=0.1)
    assert noise[190, :10].mean() < 4  # a 20 dB burst of "speech" does not leak into the noise estimate


def test_stereo_channels_are_filtered_independently(tmp_path):
    rate = 16000
    c0, n0 = _noisy(rate, 5.0, seed=0)
    c1, n1 = _noisy(rate, 10.0, seed=1)
    stereo = np.stack([n0, n1])
    out = wiener_enhance(stereo, rate)
    np.testing.assert_allclose(out[1], wiener_enhance(n1[None], rate)[0], atol=1e-6)
    path = tmp_path / "stereo.flac"
    sf.write(path, stereo.T, rate, subtype="PCM_24")
    ref = tmp_path / "clean.flac"
    sf.write(ref, np.stack([c0, c1]).T, rate, subtype="PCM_24")
    assert cli(["run", "speech/wiener", "--input", str(path), "--reference", str(ref),
                "--output", str(tmp_path / "out")]) == 0
    written, written_rate = sf.read(tmp_path / "out" / "stereo.flac", dtype="float32")
    assert written.shape == (c0.size, 2) and written_rate == rate
    assert sf.info(tmp_path / "out" / "stereo.flac").subtype == "PCM_24"
    for ch, clean, noisy in ((0, c0, n0), (1, c1, n1)):
        assert si_sdr(written[:, ch], clean) > si_sdr(noisy, clean)


@pytest.mark.parametrize("rate", [8000, 44100])
def test_unit_gain_gives_back_the_input(rate):
    """With the gain floor at 0 dB every gain is 1: analysis and weighted overlap-add reconstruct the signal."""
    x = np.random.default_rng(0).standard_normal((2, rate // 3)).astype(np.float32)
    np.testing.assert_allclose(wiener_enhance(x, rate, gain_floor_db=0.0), x, atol=1e-5)


def test_block_size_does_not_change_the_result():
    _, noisy = _noisy(16000, 5.0)
    np.testing.assert_allclose(wiener_enhance(noisy[None], 16000, block=7), wiener_enhance(noisy[None], 16000),
                               atol=1e-6)


def test_any_rate_comes_back_at_its_rate_and_subtype(tmp_path):
    rate = 44100
    clean, noisy = _noisy(rate, 5.0)
    path = tmp_path / "talk.wav"
    sf.write(path, noisy * 0.5, rate, subtype="PCM_16")
    assert cli(["run", "speech/wiener", "--input", str(path), "--output", str(tmp_path / "out")]) == 0
    info = sf.info(tmp_path / "out" / "talk.wav")
    assert (info.samplerate, info.subtype, info.channels, info.frames) == (rate, "PCM_16", 1, noisy.size)
    written, _ = sf.read(tmp_path / "out" / "talk.wav", dtype="float32")
    assert si_sdr(written, clean) > si_sdr(noisy, clean) + 3.0


def test_metrics_json_scores_a_48_khz_file_at_its_own_rate(tmp_path):
    """The run contract passes the reference's rate to PESQ-WB and ESTOI (MetricRecord.needs)."""
    import json

    from denoisekit_speech.metrics import pesq_wb

    clean, noisy = _noisy(48000, 5.0)
    sf.write(tmp_path / "noisy.wav", noisy, 48000, subtype="FLOAT")
    sf.write(tmp_path / "clean.wav", clean, 48000, subtype="FLOAT")
    assert cli(["run", "speech/wiener", "--input", str(tmp_path / "noisy.wav"), "--reference",
                str(tmp_path / "clean.wav"), "--output", str(tmp_path / "out")]) == 0
    scores = json.loads((tmp_path / "out" / "metrics.json").read_text())
    out, _ = sf.read(tmp_path / "out" / "noisy.wav", dtype="float32")
    assert scores["output"]["estoi"] == pytest.approx(estoi(out, clean, rate=48000), abs=1e-6)
    assert scores["output"]["pesq_wb"] == pytest.approx(pesq_wb(out, clean, rate=48000), abs=1e-6)
    # read as 16 kHz audio (the old behaviour) the same file scores differently
    assert abs(estoi(out, clean, rate=16000) - scores["output"]["estoi"]) > 1e-3
