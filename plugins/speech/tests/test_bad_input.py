"""Bad input to speech/wiener through the command line: one line naming the file, exit 2, nothing written."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from denoisekit_speech.input_checks import CLIP_FRACTION, CLIP_RUN, clipped_fraction

from denoisekit.testing import cli

RATE = 16000


def _speechlike(n: int = RATE, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    return (0.2 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2
            + 0.01 * rng.standard_normal(n)).astype(np.float32)


def _run(path: Path, tmp_path: Path, capsys) -> tuple[int, str]:
    out = tmp_path / "out"
    code = cli(["run", "speech/wiener", "--input", str(path), "--output", str(out)])
    err = capsys.readouterr().err.strip()
    assert not out.exists(), "a failed run wrote its output folder"
    return code, err


def _assert_refused(path: Path, tmp_path: Path, capsys, words: str) -> None:
    code, err = _run(path, tmp_path, capsys)
    assert code == 2
    line = err.splitlines()[-1]
    assert path.name in line and words in line, line


def test_text_file_named_wav(tmp_path, capsys):
    path = tmp_path / "notes.wav"
    path.write_text("this is a text file, not audio\n" * 20)
    _assert_refused(path, tmp_path, capsys, "cannot read as WAV audio")


def test_empty_file(tmp_path, capsys):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    _assert_refused(path, tmp_path, capsys, "empty")


def test_header_without_samples(tmp_path, capsys):
    path = tmp_path / "nosamples.wav"
    sf.write(path, np.zeros((0, 1), np.float32), RATE, subtype="PCM_16")
    _assert_refused(path, tmp_path, capsys, "no audio samples")


def test_all_zero(tmp_path, capsys):
    path = tmp_path / "zeros.wav"
    sf.write(path, np.zeros(RATE, np.float32), RATE, subtype="PCM_16")
    _assert_refused(path, tmp_path, capsys, "every sample is zero")


def test_dead_channel_of_a_stereo_file(tmp_path, capsys):
    path = tmp_path / "deadmic.wav"
    sf.write(path, np.stack([_speechlike(), np.zeros(RATE, np.float32)], axis=1), RATE, subtype="PCM_16")
    _assert_refused(path, tmp_path, capsys, "channel 1 is silent")


def test_dc_only(tmp_path, capsys):
    path = tmp_path / "dc.wav"
    sf.write(path, np.full(RATE, 0.25, np.float32), RATE, subtype="PCM_16")
    _assert_refused(path, tmp_path, capsys, "DC only")


def test_clipped(tmp_path, capsys):
    x = _speechlike() * 8  # driven far past full scale: the writer saturates it
    path = tmp_path / "clipped.wav"
    sf.write(path, np.clip(x, -1, 1), RATE, subtype="PCM_16")
    _assert_refused(path, tmp_path, capsys, "clipped")


def test_clip_threshold():
    x = np.zeros(10_000)
    x[::100] = 1.0  # isolated full-scale peaks: not clipping
    assert clipped_fraction(x) == 0.0
    runs = int(CLIP_FRACTION * x.size) // CLIP_RUN + 1
    for k in range(runs):
        x[50 + 100 * k: 50 + 100 * k + CLIP_RUN] = -1.0
    assert clipped_fraction(x) == pytest.approx(runs * CLIP_RUN / x.size)
    assert clipped_fraction(x) >= CLIP_FRACTION


def test_three_channels_for_a_two_microphone_pipeline(tmp_path, capsys):
    path = tmp_path / "three.wav"
    sf.write(path, np.stack([_speechlike(seed=s) for s in range(3)], axis=1), RATE, subtype="PCM_16")
    _assert_refused(path, tmp_path, capsys, "3 channels")


def test_nan_in_float_wav(tmp_path, capsys):
    x = _speechlike()
    x[100] = np.nan
    x[200] = np.inf
    path = tmp_path / "nan.wav"
    sf.write(path, x, RATE, subtype="FLOAT")
    _assert_refused(path, tmp_path, capsys, "NaN or Inf")


def test_rate_below_8khz(tmp_path, capsys):
    path = tmp_path / "low.wav"
    sf.write(path, _speechlike(6000), 6000, subtype="PCM_16")
    _assert_refused(path, tmp_path, capsys, "below the 8000 Hz")


def test_good_file_runs(tmp_path, capsys):
    path = tmp_path / "good.wav"
    sf.write(path, _speechlike(), RATE, subtype="PCM_16")
    code = cli(["run", "speech/wiener", "--input", str(path), "--output", str(tmp_path / "out")])
    assert code == 0 and (tmp_path / "out" / "good.wav").is_file()
