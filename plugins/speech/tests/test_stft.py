"""The SGMSE+ spectrogram: shapes, compression against hand-computed values, round trips."""

import pytest
import torch
from denoisekit_speech.stft import SpecTransform, pad_frames, peak_normaliser


def test_shapes_follow_the_paper():
    spec = SpecTransform()
    x = torch.randn(2, 16000, generator=torch.Generator().manual_seed(0))
    X = spec.stft(x)
    assert X.shape == (2, 256, 16000 // 128 + 1) and X.is_complex()


def test_compression_of_known_values():
    spec = SpecTransform()
    X = torch.tensor([4.0 + 0j, -9.0 + 0j, 16j])
    c = spec.compress(X)
    torch.testing.assert_close(c, torch.tensor([0.15 * 2 + 0j, -0.15 * 3 + 0j, 0.15 * 4j]))
    torch.testing.assert_close(spec.expand(c), X)


@pytest.mark.parametrize("n", [16000, 12345])
def test_waveform_round_trip(n):
    spec = SpecTransform()
    x = torch.randn(n, generator=torch.Generator().manual_seed(1)) * 0.3
    y = spec.inverse(spec.forward(x), n)
    assert float((y - x).abs().max()) < 1e-4


def test_padding_to_the_stride_appends_zero_frames():
    c = SpecTransform().forward(torch.randn(1, 9000, generator=torch.Generator().manual_seed(2)))
    padded = pad_frames(c, 8)
    assert c.shape[-1] == 71 and padded.shape[-1] == 72
    torch.testing.assert_close(padded[..., :71], c)
    assert not padded[..., 71:].abs().any()
    assert pad_frames(padded, 8) is padded


def test_peak_normaliser():
    assert peak_normaliser(torch.tensor([0.1, -0.5, 0.25])) == pytest.approx(2.0)
    assert peak_normaliser(torch.zeros(4)) == 1.0
