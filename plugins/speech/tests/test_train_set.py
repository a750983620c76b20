"""speech-train: a missing source package is a one-line error naming it; the splits are stable."""

import numpy as np
import pytest
import soundfile as sf
from denoisekit_speech import train_set
from denoisekit_speech.sample import PairFolder

from denoisekit.api import InputError, UserError


def test_missing_package_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(train_set, "ASTERISK", tmp_path / "no-such-dir")
    with pytest.raises(UserError, match=r"needs the Debian package asterisk-core-sounds-en-wav .*apt-get install"):
        train_set.build_speech_train(tmp_path)
    assert not (tmp_path / "speech-train" / "manifest.json").exists()


def test_sources_exclude_the_held_out_speech():
    text = " ".join(map(str, (train_set.ASTERISK, train_set.CODEC2, train_set.SONIC_PI)))
    assert "pyannote" not in text and "arctic" not in text.lower()


def test_split_is_deterministic_and_about_90_5_5():
    names = [f"prompt-{i}" for i in range(2000)]
    splits = [train_set._split(n) for n in names]
    assert splits == [train_set._split(n) for n in names]
    assert 0.03 < splits.count("test") / 2000 < 0.07 and 0.03 < splits.count("valid") / 2000 < 0.07


def test_pair_folder_reads_the_sgmse_layout(tmp_path):
    for split in ("train", "valid"):
        for sub, value in (("clean", 0.1), ("noisy", 0.2)):
            (tmp_path / split / sub).mkdir(parents=True)
            sf.write(tmp_path / split / sub / "a.wav", np.full(160, value), 16000, subtype="FLOAT")
    pairs = PairFolder(tmp_path)
    assert len(pairs) == 2
    item = pairs[1]
    assert item["rate"] == 16000 and np.allclose(item["x"], 0.1) and np.allclose(item["y"], 0.2)
    (tmp_path / "valid" / "noisy" / "a.wav").unlink()
    with pytest.raises(InputError, match="noisy twin"):
        PairFolder(tmp_path)
