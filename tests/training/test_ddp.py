"""``torchrun --nproc_per_node=2`` on CPU (gloo): after three steps both ranks hold the same weights."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import torch
import torch.distributed as dist

from denoisekit.checkpoint import load_weights
from denoisekit.training import close_distributed, init_distributed

SCRIPT = Path(__file__).parent / "ddp_script.py"
TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(script: Path, *args: str, attempts: int = 3) -> subprocess.CompletedProcess[str]:
    """``torchrun --nproc_per_node=2 script args`` on a free port, in its own session so that a
    timeout kills the workers too; retried on a new port if another process took the port first."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for _ in range(attempts):
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr", "127.0.0.1",
               "--master_port", str(free_port()), str(script), *args]
        with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True) as proc:
            try:
                out, err = proc.communicate(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                out, err = proc.communicate()
                pytest.fail(f"torchrun ran over {TIMEOUT_S} s:\n{out[-3000:]}{err[-3000:]}")
        if "EADDRINUSE" not in err:
            break
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


@pytest.mark.skipif(not (dist.is_available() and dist.is_gloo_available()),
                    reason="this torch build has no torch.distributed gloo backend")
def test_torchrun_two_ranks_stay_identical(tmp_path, toy):
    proc = torchrun(SCRIPT, str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "terminate called" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-3000:]

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



@pytest.fixture
def single_process_group(tmp_path, monkeypatch):
    """A gloo process group of one rank; every call to ``dist.barrier`` is recorded."""
    barriers = []
    real_barrier = dist.barrier
    monkeypatch.setattr(dist, "barrier", lambda **kw: barriers.append(kw) or real_barrier(**kw))
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1)
    yield barriers
    if dist.is_initialized():
        dist.destroy_process_group()


@pytest.mark.parametrize("barrier", [True, False])
def test_close_distributed_waits_for_every_rank_then_leaves(single_process_group, barrier):
    close_distributed(barrier=barrier)
    assert len(single_process_group) == int(barrier) and not dist.is_initialized()
    close_distributed()  # a second call, or one without a group, does nothing


def test_close_distributed_leaves_even_when_the_barrier_fails(single_process_group, monkeypatch):
    def broken(**kw):
        raise RuntimeError("peer gone")

    monkeypatch.setattr(dist, "barrier", broken)
    with pytest.raises(RuntimeError, match="peer gone"):
        close_distributed()
    assert not dist.is_initialized()


def test_init_distributed_passes_the_timeout(monkeypatch):
    calls = []
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setattr(dist, "init_process_group", lambda backend, **kw: calls.append((backend, kw)))
    assert init_distributed("cpu", timeout=7) == torch.device("cpu")
    assert calls == [("gloo", {"timeout": timedelta(seconds=7)})]
