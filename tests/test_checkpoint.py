"""Weights load with weights_only=True: tensors load, code-carrying pickles are refused."""

import os

import pytest
import torch

from denoisekit.checkpoint import load_weights
from denoisekit.errors import InputError


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_state_dict_round_trip(tmp_path):
    state = {"w": torch.arange(6.0).reshape(2, 3), "step": 7}
    torch.save(state, tmp_path / "w.pt")
    back = load_weights(tmp_path / "w.pt")
    assert torch.equal(back["w"], state["w"]) and back["step"] == 7


def test_code_in_a_pickle_is_refused(tmp_path):
    torch.save({"x": _Evil()}, tmp_path / "evil.pt")
    with pytest.raises(InputError, match="evil.pt: refused: not a weights-only checkpoint"):
        load_weights(tmp_path / "evil.pt")


@pytest.mark.parametrize("content", [b"", b"garbage" * 10])
def test_broken_files_are_input_errors(tmp_path, content):
    (tmp_path / "bad.pt").write_bytes(content)
    with pytest.raises(InputError, match="bad.pt"):
        load_weights(tmp_path / "bad.pt")
    with pytest.raises(InputError, match="not found"):
        load_weights(tmp_path / "missing.pt")
