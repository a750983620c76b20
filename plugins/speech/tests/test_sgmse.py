"""SGMSE+ with the core's OUVE schedule and predictor-corrector sampler: an oracle score recovers the clean
spectrogram; score matching learns; chunked enhancement of a 10-minute file stays within one chunk's size."""

import math

import pytest
import torch
from denoisekit_speech.backbone import BackboneConfig
from denoisekit_speech.sgmse import SpectrogramScore, build_model, dsm_loss, enhance, enhance_chunk
from denoisekit_speech.sgmse_train import ScoreMatchingLoss
from denoisekit_speech.stft import pad_frames

from denoisekit.api import OUVE, PredictorCorrector

TINY = BackboneConfig(nf=8, ch_mult=(1, 2))


class OracleScore(SpectrogramScore):
    """The exact score of the OUVE marginal when the clean spectrogram ``x0`` is a point mass."""

    def __init__(self, x0, schedule):
        super().__init__(TINY, schedule)
        self.x0 = x0

    def noise(self, x, t, y):
        s = self.schedule
        mean = s.scale(t)[:, None, None] * self.x0 + s.shift(t, y)
        return (x - mean) / self.std(t)[:, None, None]


def _pair(seconds=0.5, seed=0):
    g = torch.Generator().manual_seed(seed)
    n = int(16000 * seconds)
    t = torch.arange(n) / 16000
    clean = 0.4 * torch.sin(2 * math.pi * 220 * t) * torch.sin(2 * math.pi * 3 * t)
    return clean[None], (clean + 0.1 * torch.randn(n, generator=g))[None]


def test_oracle_score_gives_back_the_clean_signal():
    schedule = OUVE()
    clean, noisy = _pair()
    oracle = OracleScore(None, schedule)
    oracle.x0 = pad_frames(oracle.spec.forward(clean), oracle.net.config.stride)
    out = enhance_chunk(oracle, PredictorCorrector(snr=0.5), noisy, steps=10,
                        generator=torch.Generator().manual_seed(0))
    assert float((out - clean).abs().max()) < 1e-3


def test_reverse_diffusion_ends_at_the_marginal_of_t_eps():
    """Without the final Tweedie step, x at t_eps = mean(t_eps) + sqrt(Var(t_eps)) z: check that spread."""
    schedule = OUVE()
    clean, noisy = _pair()
    oracle = OracleScore(None, schedule)
    spec = oracle.spec
    x0, y = (pad_frames(spec.forward(w), 2) for w in (clean, noisy))
    oracle.x0 = x0
    x = PredictorCorrector(snr=0.5, denoise_final=False).sample(
        oracle, schedule, y.shape, y=y, steps=30, generator=torch.Generator().manual_seed(1))
    t = torch.tensor(schedule.t_min)
    mean = schedule.scale(t) * x0 + schedule.shift(t, y)
    spread = torch.view_as_real(x - mean).std()
    assert float(spread / schedule.variance(t).sqrt()) == pytest.approx(1.0, abs=0.25)


def test_score_matching_loss_decreases_with_training():
    torch.manual_seed(0)
    model = build_model(TINY, OUVE())
    pairs = [tuple(w[0] for w in _pair(1.0, seed)) for seed in range(3)]
    loss = ScoreMatchingLoss(crop_frames=16, batch=4)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)

    def held_out() -> float:
        with torch.no_grad():
            return float(sum(loss(model, pairs, torch.Generator().manual_seed(100 + i)) for i in range(8)) / 8)

    before = held_out()
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        opt.zero_grad()
        loss(model, pairs, g).backward()
        opt.step()
    assert held_out() < 0.8 * before


def test_dsm_loss_is_zero_for_the_oracle():
    schedule = OUVE()
    clean, noisy = _pair()
    oracle = OracleScore(None, schedule)
    x0, y = oracle.spec.forward(clean), oracle.spec.forward(noisy)
    oracle.x0 = x0
    assert float(dsm_loss(oracle, x0, y, torch.Generator().manual_seed(0))) < 1e-8


class PassThrough:
    """A sampler that returns the noisy spectrogram: enhancement then reduces to the STFT round trip."""

    def __init__(self):
        self.frames = []

    def sample(self, model, schedule, shape, *, y, steps, generator):
        self.frames.append(y.shape[-1])
        return y


def test_ten_minutes_run_in_bounded_chunks():
    model = build_model("tiny", OUVE())
    n = 16000 * 600
    wave = 0.5 * torch.sin(torch.arange(n, dtype=torch.float32) * 0.05)[None]
    sampler = PassThrough()
    out = enhance(model, sampler, wave, steps=1, chunk_s=8.0, overlap_s=0.5)
    assert out.shape == wave.shape
    assert float((out - wave).abs().max()) < 1e-3
    assert max(sampler.frames) <= 8 * 16000 // 128 + 8 and len(sampler.frames) == math.ceil((600 - 8) / 7.5) + 1
