"""speech/clearbuds and speech/sgmse through the CLI: any rate and channel count in and back, the two-microphone
network on stereo files, training on the sgmse layout, and one-line errors (exit 2, nothing written)."""

import json

import numpy as np
import pytest
import soundfile as sf
from denoisekit_speech.sample import make_pair

from denoisekit.testing import cli


def _write(path, rate=16000, channels=1, seconds=1.0):
    clean, noisy = make_pair(seconds=seconds, rate=rate)
    data = np.stack([noisy, np.roll(noisy, 3)], axis=1) if channels == 2 else noisy
    sf.write(path, data, rate, subtype="PCM_16")
    return clean


@pytest.mark.parametrize("rate,channels", [(16000, 1), (48000, 2)])
def test_clearbuds_keeps_rate_length_and_channels(tmp_path, rate, channels):
    _write(tmp_path / "in.wav", rate, channels)
    assert cli(["run", "speech/clearbuds", "-i", str(tmp_path / "in.wav"), "-o", str(tmp_path / "out")]) == 0
    out, out_rate = sf.read(tmp_path / "out" / "in.wav", always_2d=True)
    original = sf.read(tmp_path / "in.wav", always_2d=True)[0]
    assert out_rate == rate and out.shape == original.shape
    notes = json.loads((tmp_path / "out" / "run.json").read_text())["notes"]
    assert notes["microphones"] == channels and notes["latency_ms"] == pytest.approx(17.0)
    if channels == 2:  # one enhanced signal from both microphones, on both channels
        np.testing.assert_array_equal(out[:, 0], out[:, 1])


def test_sgmse_at_48k_stereo_comes_back_at_48k(tmp_path):
    _write(tmp_path / "in.wav", 48000, 2, seconds=0.5)
    assert cli(["run", "speech/sgmse", "-i", str(tmp_path / "in.wav"), "-o", str(tmp_path / "out"),
                "--set", "steps=1"]) == 0
    out, rate = sf.read(tmp_path / "out" / "in.wav", always_2d=True)
    assert rate == 48000 and out.shape == (24000, 2)


def test_three_channels_are_refused(tmp_path, capsys):
    clean, noisy = make_pair(seconds=0.5)
    sf.write(tmp_path / "three.wav", np.stack([noisy] * 3, axis=1), 16000)
    for pipeline in ("speech/clearbuds", "speech/sgmse"):
        out = tmp_path / pipeline.replace("/", "_")
        assert cli(["run", pipeline, "-i", str(tmp_path / "three.wav"), "-o", str(out)]) == 2
        assert not out.exists()
        assert "three.wav" in capsys.readouterr().err


def test_weights_of_another_pipeline_are_refused(tmp_path, capsys):
    import torch

    _write(tmp_path / "in.wav")
    torch.save({"format": "something/else", "state": {}}, tmp_path / "w.pt")
    assert cli(["run", "speech/clearbuds", "-i", str(tmp_path / "in.wav"), "-o", str(tmp_path / "out"),
                "--set", f"weights_1mic={tmp_path / 'w.pt'}"]) == 2
    assert "w.pt" in capsys.readouterr().err and not (tmp_path / "out").exists()


def _layout(root, files=2):
    for split in ("train",):
        for kind in ("clean", "noisy"):
            (root / split / kind).mkdir(parents=True)
        for i in range(files):
            clean, noisy = make_pair(seconds=1.0, seed=i)
            sf.write(root / split / "clean" / f"u{i}.wav", clean, 16000)
            sf.write(root / split / "noisy" / f"u{i}.wav", noisy, 16000)


def test_train_clearbuds_then_run_with_the_weights(tmp_path):
    _layout(tmp_path / "data")
    assert cli(["train", "speech/clearbuds", "-d", str(tmp_path / "data"), "-o", str(tmp_path / "t"), "--quiet",
                "--set", "iterations=2", "--set", "batch=1", "--set", "seconds=0.25"]) == 0
    _write(tmp_path / "in.wav")
    assert cli(["run", "speech/clearbuds", "-i", str(tmp_path / "in.wav"), "-o", str(tmp_path / "out"),
                "--set", f"weights_1mic={tmp_path / 't' / 'weights.pt'}"]) == 0


def test_train_sgmse_writes_weights_the_pipeline_loads(tmp_path):
    _layout(tmp_path / "data", files=1)
    assert cli(["train", "speech/sgmse", "-d", str(tmp_path / "data"), "-o", str(tmp_path / "t"), "--quiet",
                "--set", "iterations=1", "--set", "batch=1", "--set", "crop_frames=16"]) == 0
    _write(tmp_path / "in.wav", seconds=0.5)
    assert cli(["run", "speech/sgmse", "-i", str(tmp_path / "in.wav"), "-o", str(tmp_path / "out"),
                "--set", "steps=1", "--set", f"weights={tmp_path / 't' / 'weights.pt'}"]) == 0


def test_training_data_outside_the_sgmse_layout_is_refused(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    sf.write(tmp_path / "data" / "a.wav", make_pair(seconds=0.5)[0], 16000)
    assert cli(["train", "speech/clearbuds", "-d", str(tmp_path / "data"), "-o", str(tmp_path / "t"), "--quiet"]) == 2
    assert "sgmse layout" in capsys.readouterr().err


def test_sgmse_overlap_longer_than_chunk_is_refused(tmp_path, capsys):
    _write(tmp_path / "in.wav", seconds=0.5)
    assert cli(["run", "speech/sgmse", "-i", str(tmp_path / "in.wav"), "-o", str(tmp_path / "out"),
                "--set", "chunk_s=2", "--set", "overlap_s=2"]) == 2
    assert "overlap_s" in capsys.readouterr().err and not (tmp_path / "out").exists()
