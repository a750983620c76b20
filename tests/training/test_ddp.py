"""``torchrun --nproc_per_node=2`` on CPU (gloo): after three steps both ranks hold the same weights."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist

from denoisekit.checkpoint import load_weights

SCRIPT = Path(__file__).parent / "ddp_script.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not (dist.is_available() and dist.is_gloo_available()),
                    reason="this torch build has no torch.distributed gloo backend")
def test_torchrun_two_ranks_stay_identical(tmp_path, toy):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr", "127.0.0.1",
           "--master_port", str(free_port()), str(SCRIPT), str(tmp_path)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    for key, value in ranks[0]["model"].items():
        assert torch.equal(value, ranks[1]["model"][key]), f"ranks differ in {key}"
        assert torch.equal(ranks[0]["ema"][key], ranks[1]["ema"][key]), f"ranks' EMA differs in {key}"
    initial = toy.make_model(0).state_dict()
    assert not torch.equal(ranks[0]["model"]["0.weight"], initial["0.weight"]), "training changed nothing"

    (checkpoint,) = (tmp_path / "checkpoints").iterdir()
    state = load_weights(checkpoint)
    assert checkpoint.name == "step-00000003.pt" and state["step"] == 3
    assert torch.equal(state["model"]["0.weight"], ranks[0]["model"]["0.weight"])
    generators = [r["generator"] for r in state["ranks"]]
    assert len(generators) == 2 and not torch.equal(*generators), "ranks must draw different noise"

