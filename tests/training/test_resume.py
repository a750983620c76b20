"""A run killed right after its checkpoint at step k and resumed by a new Trainer and model ends
bit-identical (weights, EMA, optimiser, generator) to an uninterrupted run of 2k steps on CPU."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

HERE = Path(__file__).parent

K = 5  # mid-epoch (4 batches per epoch), after a scheduler step and several EMA updates


def assert_same(a, b, where=""):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), f"{where} differs"
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a} != {b}"


@pytest.mark.parametrize("kind", ["epochs", "stream"])
def test_killed_and_resumed_equals_uninterrupted(tmp_path, kind, toy):
    killed = tmp_path / "killed"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(HERE / "toy.py"), kind, str(killed), str(K)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in killed.iterdir()] == [f"step-{K:08d}.pt"]

    resumed = toy.make_trainer(killed, K, model_seed=99)  # new objects, other initial weights
    assert resumed.resume(killed) and resumed.step == K
    resumed.fit(toy.make_source(kind), 2 * K)

    straight = toy.make_trainer(None, K)
    straight.fit(toy.make_source(kind), 2 * K)

    assert_same(resumed.model.state_dict(), straight.model.state_dict(), "model")
    assert_same(resumed.ema.state_dict(), straight.ema.state_dict(), "ema")
    assert_same(resumed.optimizer.state_dict(), straight.optimizer.state_dict(), "optimizer")
    assert_same(resumed.scheduler.state_dict(), straight.scheduler.state_dict(), "scheduler")
    assert torch.equal(resumed.generator.get_state(), straight.generator.get_state())
    assert (resumed.step, resumed.epoch, resumed.position) == (straight.step, straight.epoch, straight.position)
    assert not torch.equal(resumed.model.state_dict()["0.weight"], toy.make_model(0).state_dict()["0.weight"])


def test_fit_called_again_continues(toy):
    data = toy.clean_batches()
    twice = toy.make_trainer(None, K)
    twice.fit(data, 3)
    twice.fit(data, 2 * K)
    once = toy.make_trainer(None, K)
    once.fit(data, 2 * K)
    assert_same(twice.model.state_dict(), once.model.state_dict(), "model")
    assert [s for s, _ in once.history] == [2, 4, 6, 8, 10]
    assert twice.history == once.history[:1] + [(3, twice.history[1][1])] + once.history[1:]  # fit logs its end


def test_a_spent_iterator_is_an_error(toy):
    trainer = toy.make_trainer(None, K)
    with pytest.raises(ValueError, match="no batch in epoch 1"):
        trainer.fit(iter(toy.clean_batches()), 2 * K)
    assert trainer.step == toy.BATCHES_PER_EPOCH


def test_a_stateful_loss_resumes_with_its_state(tmp_path):
    """Noise2Score anneals its perturbation with a step counter: a resumed run continues the annealing
    (the counter is in the checkpoint) and ends where the uninterrupted run ends."""
    from denoisekit.losses import Noise2Score
    from denoisekit.training import Trainer

    def run(steps, checkpoint_dir=None, resume=False):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                                    torch.nn.Conv2d(4, 1, 3, padding=1))
        loss = Noise2Score(anneal_steps=8)
        trainer = Trainer(model, loss, lambda p: torch.optim.Adam(p, 1e-2), seed=3, checkpoint_dir=checkpoint_dir,
                          checkpoint_every=3 if checkpoint_dir else None, progress=False)
        if resume:
            assert trainer.resume(checkpoint_dir)
            assert int(loss.step) == 3  # restored, not restarted
        g = torch.Generator().manual_seed(1)
        data = [torch.rand(2, 1, 8, 8, generator=g) for _ in range(4)]
        trainer.fit(data, steps)
        return trainer, loss

    run(3, tmp_path)  # "killed" after its step-3 checkpoint
    resumed, resumed_loss = run(6, tmp_path, resume=True)
    straight, straight_loss = run(6)
    assert int(resumed_loss.step) == int(straight_loss.step) == 6
    assert_same(resumed.model.state_dict(), straight.model.state_dict(), "model")
