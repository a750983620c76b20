"""The one signature: every loss is ``loss(model, y, generator=g)``, seeded, and plugs into the Trainer."""

from __future__ import annotations

import pytest
import torch

from denoisekit.losses import (
    CBSN,
    SDAP,
    SURE,
    ZSN2N,
    BlindSpot,
    BlindSpotNet,
    Neighbor2Neighbor,
    Noise2Noise,
    Noise2Recon,
    Noise2Score,
    SelfSupervisedLoss,
    make_loss_fn,
)
from denoisekit.noise import Gaussian
from denoisekit.operators import Mask
from denoisekit.training import Trainer

NOISE = Gaussian(0.1)
LOSSES = {
    "noise2score": lambda: Noise2Score(noise=NOISE),
    "noise2noise": Noise2Noise,
    "zs-n2n": ZSN2N,
    "neighbor2neighbor": Neighbor2Neighbor,
    "blind-spot": BlindSpot,
    "blind-spot-zero": lambda: BlindSpot(replacement="zero"),
    "c-bsn": CBSN,
    "c-bsn-strides-2-4": lambda: CBSN(stride=2, invariance_stride=4),
    "sdap": SDAP,
    "sdap-pd": lambda: SDAP(stride=2, inference_stride=2),
    "sure": lambda: SURE(noise=NOISE),
    "noise2recon": lambda: Noise2Recon(noise=NOISE),
}
STOCHASTIC = set(LOSSES) - {"zs-n2n", "noise2noise"}  # fixed pair downsampling, no draws


def net() -> BlindSpotNet:
    """BlindSpotNet serves every loss: a plain network when called as net(x), a blind one for C-BSN."""
    torch.manual_seed(0)
    return BlindSpotNet(1, 8, 1)


def noisy(shape: tuple[int, ...] = (2, 1, 16, 12)) -> torch.Tensor:
    return torch.rand(shape, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name", LOSSES)
def test_one_signature_gives_a_differentiable_scalar(name: str) -> None:
    loss, model, y = LOSSES[name](), net(), noisy()
    assert isinstance(loss, SelfSupervisedLoss)
    value = loss(model, y, generator=torch.Generator().manual_seed(0))
    assert value.shape == () and torch.isfinite(value)
    value.backward()
    assert all(p.grad is not None for p in model.parameters())
    with torch.no_grad():
        assert loss.denoise(model, y).shape == y.shape


@pytest.mark.parametrize("name", LOSSES)
def test_same_seed_same_value(name: str) -> None:
    model, y = net(), noisy()

    def once(seed: int) -> torch.Tensor:
        return LOSSES[name]()(model, y, generator=torch.Generator().manual_seed(seed)).detach()

    torch.testing.assert_close(once(0), once(0), rtol=0, atol=0)
    if name in STOCHASTIC:
        assert not torch.equal(once(0), once(1))


@pytest.mark.parametrize("name", ["noise2noise", "blind-spot", "noise2recon"])
def test_losses_with_an_operator_accept_a_mask(name: str) -> None:
    """Measurement-domain forms: Noise2Noise ||A f(A^H y) - y2||, blind-spot splitting of the measurements,
    Noise2Recon's extra noise on the measured entries only."""
    mask = Mask((torch.rand(16, 12, generator=torch.Generator().manual_seed(5)) < 0.5).float())
    y = mask.A(noisy())
    extra = {"target": mask.A(noisy().flip(-1))} if name == "noise2noise" else {}
    value = LOSSES[name]()(net(), y, op=mask, generator=torch.Generator().manual_seed(0), **extra)
    assert value.shape == () and torch.isfinite(value)


@pytest.mark.parametrize("name", ["noise2score", "zs-n2n", "neighbor2neighbor", "c-bsn", "sdap", "sure"])
def test_denoising_losses_refuse_an_operator(name: str) -> None:
    with pytest.raises(ValueError, match="denoising"):
        LOSSES[name]()(net(), noisy(), op=Mask(torch.ones(16, 12)), generator=torch.Generator())


def test_zs_n2n_wraps_a_clean_image_predictor() -> None:
    model, y = net(), noisy()
    wrapped = ZSN2N(residual=False)
    torch.testing.assert_close(wrapped(lambda v: v - model(v), y), ZSN2N()(model, y))
    torch.testing.assert_close(wrapped.denoise(lambda v: v - model(v), y), ZSN2N().denoise(model, y))


def test_blind_spot_works_on_volumes() -> None:
    model = torch.nn.Conv3d(1, 1, 3, padding=1)
    value = BlindSpot(cell=2)(model, noisy((1, 1, 6, 8, 8)), generator=torch.Generator().manual_seed(0))
    assert value.shape == () and torch.isfinite(value)


def test_noise2recon_is_supervised_with_a_clean_target() -> None:
    """With ``target`` the data term is ||f(y) - x||^2: for f = identity it is exactly the noise power, and
    the consistency term is the extra noise's power."""
    y, x = noisy(), torch.zeros(2, 1, 16, 12)
    loss = Noise2Recon(noise=NOISE, scale=(1.0, 1.0))
    value = loss(lambda v: v, y, target=x, generator=torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(0)
    torch.rand((2, 1, 1, 1), generator=g)  # the draw of alpha comes first
    extra = NOISE.sample(y, g) - y
    torch.testing.assert_close(value, y.square().mean() + extra.square().mean())


@pytest.mark.parametrize("name", ["noise2noise", "neighbor2neighbor", "noise2recon"])
def test_trainer_adapter_runs_three_steps(name: str) -> None:
    """make_loss_fn for the Trainer: a dict batch (Noise2Noise takes its second image as "y2") or a tensor."""
    y = noisy((4, 1, 16, 16))
    batch = {"y": y, "y2": noisy((4, 1, 16, 16)).flip(-1)} if name == "noise2noise" else y
    model = net()
    before = [p.detach().clone() for p in model.parameters()]
    trainer = Trainer(model, make_loss_fn(LOSSES[name]()), lambda p: torch.optim.Adam(p, lr=1e-2), seed=0,
                      log_every=1, progress=False)
    trainer.fit([batch], steps=3)
    assert trainer.step == 3 and [s for s, _ in trainer.history] == [1, 2, 3]
    assert all(torch.isfinite(torch.tensor(v)) for _, v in trainer.history)
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_a_loss_given_to_the_trainer_as_it_is_reads_the_batch_keys() -> None:
    """Noise2Noise passed straight to the Trainer regresses onto the batch's "y2" (not onto its own
    downsampled pair): the first logged loss is ``mse(model(y), y2)`` of the initial weights."""
    y, y2 = noisy((4, 1, 16, 16)), noisy((4, 1, 16, 16)).flip(-1)
    model = net()
    with torch.no_grad():
        expected = float(torch.nn.functional.mse_loss(model(y), y2))
        single_image = float(Noise2Noise()(model, y))
    trainer = Trainer(model, Noise2Noise(), lambda p: torch.optim.Adam(p, lr=1e-2), seed=0, log_every=1,
                      progress=False)
    trainer.fit([{"y": y, "y2": y2}], steps=1)
    assert trainer.history[0][1] == pytest.approx(expected, rel=1e-6)
    assert abs(single_image - expected) > 1e-3  # the dropped y2 would show


def test_adapter_rejects_other_batches() -> None:
    with pytest.raises(TypeError, match="dict with key 'y'"):
        make_loss_fn(BlindSpot())(net(), [noisy()], torch.Generator())
