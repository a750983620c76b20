"""speech-train: a missing source package is a one-line error naming it; the splits are stable."""

import pytest
from denoisekit_speech import train_set

from denoisekit.api import UserError


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
