"""EMA arithmetic on a scalar weight, and gradient clipping in the trainer."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from denoisekit.training import EMA, Trainer


def test_ema_update_and_state():
    model = nn.Sequential(nn.Linear(1, 1, bias=False), nn.BatchNorm1d(1))
    with torch.no_grad():
        model[0].weight.fill_(1.0)
    ema = EMA(model, decay=0.75)
    for w, expected in ((3.0, 1.5), (5.0, 2.375)):  # 0.75 * previous + 0.25 * w
        with torch.no_grad():
            model[0].weight.fill_(w)
        model[1].running_mean.fill_(w)
        ema.update(model)
        assert ema.module[0].weight.item() == pytest.approx(expected)
        assert ema.module[1].running_mean.item() == w  # buffers are copied
    assert not ema.module[0].weight.requires_grad and not ema.module.training

    other = EMA(nn.Sequential(nn.Linear(1, 1, bias=False), nn.BatchNorm1d(1)), decay=0.5)
    other.load_state_dict(ema.state_dict())
    assert other.decay == 0.75 and other.module[0].weight.item() == pytest.approx(2.375)


@pytest.mark.parametrize("decay", [-0.1, 1.0])
def test_ema_decay_range(decay):
    with pytest.raises(ValueError, match="decay"):
        EMA(nn.Linear(1, 1), decay)


def steep_loss(model, batch, generator):
    return 1000.0 * model(batch).sum()


@pytest.mark.parametrize("clip", [None, 0.5])
def test_gradient_norm_is_clipped(clip):
    model = nn.Linear(16, 4)
    before = [p.detach().clone() for p in model.parameters()]
    trainer = Trainer(model, steep_loss, torch.optim.SGD(model.parameters(), lr=1.0), grad_clip=clip, progress=False)
    trainer.fit([torch.ones(2, 16)], 1)
    grad_norm = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in model.parameters()]))
    moved = [(p.detach() - b).flatten() for p, b in zip(model.parameters(), before, strict=True)]
    step = torch.linalg.vector_norm(torch.cat(moved))
    if clip is None:
        assert grad_norm > 100
    else:
        assert grad_norm <= clip * (1 + 1e-5) and step <= clip * (1 + 1e-5)


def test_amp_needs_cuda():
    model = nn.Linear(1, 1)
    with pytest.raises(ValueError, match="CUDA"):
        Trainer(model, steep_loss, torch.optim.SGD(model.parameters(), lr=1.0), amp=True)
