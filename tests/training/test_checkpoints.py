"""Checkpoint files: atomic, the newest N kept, and every bad file a one-line InputError naming it."""

from __future__ import annotations

import os

import pytest
import torch
from torch import nn

from denoisekit.errors import InputError
from denoisekit.training.checkpoints import save_atomic


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_newest_are_kept_and_no_temporary_is_left(tmp_path, toy):
    trainer = toy.make_trainer(tmp_path, 1)
    trainer.keep = 2
    trainer.fit(toy.clean_batches(), 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step-00000004.pt", "step-00000005.pt"]
    state = torch.load(tmp_path / "step-00000005.pt", weights_only=True)
    assert state["step"] == 5 and state["format"] == "denoisekit.trainer/1"
    assert (state["epoch"], state["position"]) == (1, 1) and state["ranks"][0]["data"] is None


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    def broken_save(obj, f):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_atomic({"x": 1}, tmp_path / "step-00000001.pt")
    assert list(tmp_path.iterdir()) == []


def test_missing_checkpoints(tmp_path, toy):
    trainer = toy.make_trainer(None, 1)
    with pytest.raises(InputError, match="step-00000009.pt: weights file not found"):
        trainer.resume(tmp_path / "step-00000009.pt")
    with pytest.raises(InputError, match="no checkpoint"):
        trainer.resume(tmp_path)
    assert not trainer.resume(tmp_path, missing_ok=True)
    assert not trainer.resume(tmp_path / "nothing.pt", missing_ok=True)


@pytest.mark.parametrize(("content", "problem"), [
    ("truncated", "not a readable torch checkpoint"),
    (b"garbage" * 10, "refused: not a weights-only checkpoint"),  # read as a legacy pickle
    ({"x": _Evil()}, "refused: not a weights-only checkpoint"),
    ({"model": {}}, "not a denoisekit training checkpoint"),
])
def test_bad_checkpoints_are_input_errors(tmp_path, toy, content, problem):
    path = tmp_path / "step-00000003.pt"
    if content == "truncated":
        torch.save({"model": toy.make_model().state_dict()}, path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        torch.save(content, path)
    with pytest.raises(InputError, match=f"step-00000003.pt: {problem}") as caught:
        toy.make_trainer(None, 1).resume(tmp_path)
    assert "\n" not in str(caught.value)


def test_a_checkpoint_of_another_model_does_not_fit(tmp_path, toy):
    toy.make_trainer(tmp_path, 1).fit(toy.clean_batches(), 1)
    other = toy.make_trainer(None, 1)
    other.model[0] = nn.Conv2d(1, 4, 3, padding=1)
    with pytest.raises(InputError, match="step-00000001.pt: does not fit this trainer") as caught:
        other.resume(tmp_path)
    assert "\n" not in str(caught.value)


def test_ema_and_process_count_must_match(tmp_path, toy):
    toy.make_trainer(tmp_path, 1).fit(toy.clean_batches(), 1)
    plain = toy.make_trainer(None, 1)
    plain.ema = None
    with pytest.raises(InputError, match="the checkpoint has an ema state, this trainer none"):
        plain.resume(tmp_path)

    path = tmp_path / "step-00000001.pt"
    state = torch.load(path, weights_only=True)
    state["ranks"] = state["ranks"] * 2
    torch.save(state, path)
    with pytest.raises(InputError, match="written by 2 process"):
        toy.make_trainer(None, 1).resume(path)
