"""speech-talkers (real wideband talkers from a KLettres tree) and training with a talker pool: the build splits by
language and records source and licence, a missing package is a one-line error, pool babble never holds the crop's
own talker and stays at 0 to 15 dB, pool targets are crops of the talkers under the pair's noise."""

import json
import math

import numpy as np
import pytest
import soundfile as sf
import torch
from denoisekit_speech import talkers
from denoisekit_speech.backbone import BackboneConfig
from denoisekit_speech.sgmse import build_model
from denoisekit_speech.sgmse_train import ScoreMatchingLoss, pool_mixtures

from denoisekit.api import SBVE
from denoisekit.testing import cli

RATE = 16000
FREQS = (300.0, 700.0, 1100.0, 1900.0, 2700.0)


def _klettres(root, languages=("de", "en", "fr", "nl")):
    """A KLettres-like tree: LANG/{alpha,syllab}/*.ogg, 0.4 s tones (44.1 kHz, Vorbis) with silence around them."""
    rate = 44100
    t = np.arange(int(0.4 * rate)) / rate
    for k, lang in enumerate(languages):
        for sub in ("alpha", "syllab"):
            (root / lang / sub).mkdir(parents=True)
            for j in range(2):
                tone = 0.5 * np.sin(2 * np.pi * (400 + 100 * k + 50 * j) * t)
                x = np.concatenate([np.zeros(rate // 2), tone, np.zeros(rate // 2)]).astype(np.float32)
                sf.write(root / lang / sub / f"{chr(97 + j)}.ogg", x, rate, format="OGG", subtype="VORBIS")
    return root


def test_build_splits_by_language_and_records_source_and_licence(tmp_path, monkeypatch):
    source = _klettres(tmp_path / "klettres")
    monkeypatch.setattr(talkers, "KLETTRES", source)
    assert cli(["data", "build", "speech-talkers", "--root", str(tmp_path / "out"), "--quiet"]) == 0
    folder = tmp_path / "out" / "speech-talkers"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {f["file"] for f in manifest["files"]} == {"train/de.wav", "valid/en.wav", "valid/fr.wav", "train/nl.wav"}
    assert all(f["licence"] == "GPL-2+" and f["source"] == f"klettres-data:{f['file'][-6:-4]}"
               for f in manifest["files"])
    x, rate = sf.read(folder / "train" / "de.wav")
    # 4 trimmed files (0.4 s tone + 0.1 s kept on each side, to 20 ms frames) and 4 gaps of 50 ms
    assert rate == RATE and 4 * (0.55 + 0.05) <= x.size / RATE <= 4 * (0.65 + 0.05)
    spectrum = np.abs(np.fft.rfft(x))
    assert 390 < np.argmax(spectrum) * RATE / x.size < 460  # de's tones: 400 and 450 Hz
    assert len(talkers.TalkerFolder(folder)) == 4 and [t.size for t in talkers.read_talkers(folder, "valid")]
    stamp = (folder / "manifest.json").stat().st_mtime_ns
    talkers.build_speech_talkers(tmp_path / "out")
    assert (folder / "manifest.json").stat().st_mtime_ns == stamp


def test_a_missing_klettres_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(talkers, "KLETTRES", tmp_path / "no-such-dir")
    assert cli(["data", "build", "speech-talkers", "--root", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "klettres-data" in err and "apt-get install -y klettres-data" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "speech-talkers" / "manifest.json").exists()


def _tones(n=RATE * 2):
    t = torch.arange(n) / RATE
    return [torch.sin(2 * math.pi * f * t) for f in FREQS]


def _power_at(x, f):
    spectrum = torch.fft.rfft(x).abs().square()
    return float(spectrum[round(f * x.numel() / RATE)])


def test_pool_targets_and_babble_exclude_the_own_talker():
    """With both shares at 1 every row's clean is one pool tone and its noise is babble of the *other* tones at an
    SNR in [0, 15] dB: no noise power at the row's own frequency."""
    pool = _tones()
    g = torch.Generator().manual_seed(0)
    length = 4000  # 0.25 s: 75, 175, ... cycles, on FFT bins
    clean = 0.1 * torch.randn(8, length, generator=g)
    noisy = clean + 0.05 * torch.randn(8, length, generator=g)
    c, y = pool_mixtures(clean, noisy, pool, 1.0, 1.0, g)
    noise = y - c
    snr = 10 * torch.log10(c.square().sum(-1) / noise.square().sum(-1))
    assert bool(((snr > -0.05) & (snr < 15.05)).all())
    for row in range(8):
        own = max(FREQS, key=lambda f: _power_at(c[row], f))
        assert _power_at(c[row], own) > 0.9 * c[row].square().sum() * length / 2
        others = sum(_power_at(noise[row], f) for f in FREQS if f != own)
        assert _power_at(noise[row], own) < 1e-6 * others


def test_pool_targets_keep_the_pairs_noise_at_minus_5_to_15_db():
    """Targets only: the clean side is a pool tone and the noise is the pair's own noise, rescaled."""
    pool = _tones()
    g = torch.Generator().manual_seed(1)
    clean = torch.zeros(6, 4000)
    pair_noise = torch.randn(6, 4000, generator=g)
    c, y = pool_mixtures(clean, clean + pair_noise, pool, 0.0, 1.0, g)
    snr = 10 * torch.log10(c.square().sum(-1) / (y - c).square().sum(-1))
    assert bool(((snr > -5.05) & (snr < 15.05)).all())
    gain = ((y - c) * pair_noise).sum(-1) / pair_noise.square().sum(-1)
    assert torch.allclose(y - c, gain[:, None] * pair_noise, atol=1e-4)
    c0, y0 = pool_mixtures(clean, clean + pair_noise, pool, 0.0, 0.0, g)
    assert torch.equal(c0, clean) and torch.equal(y0, clean + pair_noise)


def test_the_loss_draws_babble_from_the_pool(monkeypatch):
    """ScoreMatchingLoss with a pool: the network sees the pool's babble, not the training pairs' utterances."""
    import denoisekit_speech.sgmse_train as sgmse_train

    seen = []
    monkeypatch.setattr(sgmse_train, "dsm_loss", lambda model, x0, y, generator: seen.append((x0, y)) or x0.abs().sum())
    t = torch.arange(RATE) / RATE
    pairs = [(0.3 * torch.sin(2 * math.pi * 5000.0 * t),) * 2]
    model = build_model(BackboneConfig(nf=8, ch_mult=(1, 2)), SBVE(), "sb-ve")
    loss = ScoreMatchingLoss(crop_frames=32, batch=4, babble=1.0, pool=_tones())
    loss(model, pairs, torch.Generator().manual_seed(0))
    x0, y = seen[0]
    noise = model.spec.inverse(y, loss.length) - model.spec.inverse(x0, loss.length)
    assert sum(_power_at(noise[0], f) for f in FREQS) > 100 * _power_at(noise[0], 5000.0)
    with pytest.raises(ValueError, match="at least two talkers"):
        ScoreMatchingLoss(crop_frames=32, batch=4, pool=_tones()[:1], targets=0.5)
