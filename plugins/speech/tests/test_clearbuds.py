"""The ClearBuds-style cascade: streaming equals the whole-file pass, no output depends on a later block, the
stated delay aligns the output, and training on the SNR loss learns."""

import math

import pytest
import torch
from denoisekit_speech.clearbuds import ClearBuds, ClearBudsConfig, enhance_offline, stream
from denoisekit_speech.clearbuds_train import CascadeLoss, snr_db, two_mic


def _perturbed(model):
    """Random weights (the untrained mask network starts near a pass-through)."""
    g = torch.Generator().manual_seed(0)
    for p in model.parameters():
        p.data.add_(0.1 * torch.randn(p.shape, generator=g))
    return model.eval()


@pytest.mark.parametrize("mics", [1, 2])
def test_streaming_equals_the_whole_file_pass(mics):
    model = _perturbed(ClearBuds(ClearBudsConfig(mics=mics)))
    x = torch.randn(1, mics, 64 * 40, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        whole = model(x)[0]
        for blocks in (1, 3):
            torch.testing.assert_close(stream(model, x, blocks), whole, atol=1e-5, rtol=1e-5)


def test_no_output_sample_depends_on_a_later_block():
    model = _perturbed(ClearBuds(ClearBudsConfig()))
    c = model.config
    x = torch.randn(1, 1, c.block * 30, generator=torch.Generator().manual_seed(2))
    k = c.block * 17 + 5  # a sample inside block 17
    changed = x.clone()
    changed[..., k] += 1.0
    with torch.no_grad():
        diff = (model(changed)[0] - model(x)[0]).abs()[0]
    first = int(torch.nonzero(diff > 1e-6)[0])
    assert first >= c.block * 17  # nothing before the block holding sample k changes
    assert first < k + c.delay  # and the change shows within the stated delay


def test_delay_is_what_the_config_states():
    c = ClearBudsConfig()
    assert c.delay == (32 - 16) + (256 - 64) and c.block == 64
    assert 1000 * (c.delay + c.block) / 16000 == pytest.approx(17.0)


def test_aligned_output_keeps_the_input_length():
    model = ClearBuds(ClearBudsConfig()).eval()
    x = torch.randn(2, 1, 1001)
    with torch.no_grad():
        assert enhance_offline(model, x).shape == (2, 1001)


def test_second_microphone_has_the_same_speech_and_shifted_noise():
    clean = torch.randn(3, 500, generator=torch.Generator().manual_seed(3))
    noise = torch.randn(3, 500, generator=torch.Generator().manual_seed(4))
    x = two_mic(clean, clean + noise, torch.Generator().manual_seed(5), max_delay=4)
    torch.testing.assert_close(x[:, 0], clean + noise)
    for b in range(3):
        second = x[b, 1] - clean[b]
        assert any(torch.allclose(second, torch.roll(noise[b], s), atol=1e-6) for s in range(-4, 5))


def test_snr_loss_known_value():
    s = torch.ones(1, 100)
    assert float(snr_db(s * 1.1, s)) == pytest.approx(20.0, abs=1e-3)


def test_training_improves_snr_on_a_noisy_tone():
    torch.manual_seed(0)
    config = ClearBudsConfig(features=32, bottleneck=16, hidden=32, layers=3, stacks=1, mask_channels=4, mask_layers=2)
    model = ClearBuds(config)
    g = torch.Generator().manual_seed(0)
    n = 8000
    t = torch.arange(n) / 16000
    pairs = []
    for i in range(4):
        clean = 0.3 * torch.sin(2 * math.pi * (200 + 50 * i) * t)
        pairs.append((clean, clean + 0.1 * torch.randn(n, generator=g)))
    loss = CascadeLoss(config, 0.25, 4)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)

    def held_out() -> float:
        with torch.no_grad():
            return float(sum(loss(model, pairs, torch.Generator().manual_seed(50 + i)) for i in range(4)) / 4)

    before = held_out()
    for _ in range(40):
        opt.zero_grad()
        loss(model, pairs, g).backward()
        opt.step()
    assert held_out() < before - 3.0  # at least 3 dB of SNR gained
