"""ultrasound/clutter-filter3d: the network keeps every frame and starts as the identity (input-output residual), the
resize upsampling maps a constant feature map to a constant one where the transposed convolution leaves a 2-pixel
checkerboard, the gain and negative forms never brighten a pixel, weights without the new options load in the old
form, the envelope loss has its closed form, the tail term is the Wasserstein-1 distance of the frames' bright
tails, ``init`` fine-tunes from given weights, training on a small simulated set removes a static near-field
clutter band from held-out sequences (through ``denoisekit train`` and ``denoisekit run``), ``train --resume``
continues from the newest checkpoint, the PyMUST sequence builder pairs moving tissue with static haze, and a
one-frame sequence is a one-line error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from denoisekit_ultrasound.clutter_net import ClutterUNet3D
from denoisekit_ultrasound.transforms import log_compress
from denoisekit_ultrasound.zea_format import read_zea, write_zea

from denoisekit.api import Sample
from denoisekit.testing import cli


def test_network_keeps_frames_and_starts_as_identity():
    net = ClutterUNet3D(filters=4, levels=3).eval()
    x = torch.rand(2, 1, 5, 16, 24)
    out = net(x)
    assert out.shape == x.shape
    assert torch.equal(out, x)  # zero-initialised head: output = input + 0
    with torch.no_grad():
        net.out.weight.fill_(0.1)
    y = net(x)
    assert not torch.equal(y, x)
    x2 = x.clone()
    x2[:, :, 0] += 1.0  # a change in frame 0 reaches frame 1 (3-D convolutions across frames)
    assert not torch.allclose(net(x2)[:, :, 1], y[:, :, 1])


def test_resize_upsampling_has_no_checkerboard():
    torch.manual_seed(0)
    ones = torch.ones(1, 8, 2, 6, 6)
    with torch.no_grad():
        resized = ClutterUNet3D(filters=4, levels=2, upsample="resize").up[0](ones)[..., 1:-1, 1:-1]
        transposed = ClutterUNet3D(filters=4, levels=2, upsample="transpose").up[0](ones)
    assert resized.shape[-2:] == (10, 10) and transposed.shape[-2:] == (12, 12)
    assert float((resized - resized[..., :1, :1]).abs().max()) < 1e-6  # constant in, constant out
    phase = transposed[..., 0::2, 0::2] - transposed[..., 1::2, 0::2]  # the 2-pixel period of the transpose
    assert float(phase.abs().min()) > 1e-4


@pytest.mark.parametrize("residual", ["gain", "negative"])
def test_constrained_forms_never_brighten_and_start_near_identity(residual):
    torch.manual_seed(1)
    net = ClutterUNet3D(filters=4, levels=3, residual=residual).eval()
    x = torch.rand(1, 1, 4, 16, 16)
    # 20 log10 sigmoid(4) dB over a 60 dB range for the gain form, exactly 0 for min(s, 0)
    start = 20.0 * np.log10(1.0 / (1.0 + np.exp(-4.0))) / 60.0 if residual == "gain" else 0.0
    assert torch.allclose(net(x) - x, torch.full_like(x, start), atol=1e-6)
    with torch.no_grad():
        net.out.weight.normal_(0.0, 5.0)
        net.out.bias.fill_(-4.0 if residual == "gain" else 0.0)  # outputs s of both signs
        y = net(x)
    assert float((y - x).max()) <= 0.0 and float((y - x).min()) < -0.05


def test_weights_without_options_load_in_the_old_form(tmp_path):
    from denoisekit_ultrasound.clutter import load_model

    torch.manual_seed(2)
    old = ClutterUNet3D(filters=2, levels=2).eval()
    torch.save({"model": old.state_dict(), "filters": 2, "levels": 2}, tmp_path / "old.pt")
    net = load_model(str(tmp_path / "old.pt"), "cpu")
    assert (net.upsample, net.residual) == ("transpose", "free")
    x = torch.rand(1, 1, 3, 8, 8)
    assert torch.equal(net(x), old(x))
    torch.save({"model": old.state_dict(), "filters": 2, "levels": 2, "upsample": "resize"}, tmp_path / "bad.pt")
    assert cli(["run", "ultrasound/clutter-filter3d", "--input", str(_three_frames(tmp_path)), "--output",
                str(tmp_path / "out"), "--set", f"weights={tmp_path / 'bad.pt'}", "--quiet"]) == 2
    assert not (tmp_path / "out").exists()


def test_envelope_loss_closed_form():
    from denoisekit_ultrasound.clutter_training import pair_loss

    out, target = torch.ones(2, 1, 3, 4, 4), torch.full((2, 1, 3, 4, 4), 1.0 - 20.0 / 60.0)  # 0 dB and -20 dB
    assert abs(float(pair_loss(out, target, "db")) - (20.0 / 60.0) ** 2) < 1e-6
    assert abs(float(pair_loss(out, target, "envelope")) - (1.0 - 0.1) ** 2) < 1e-6  # amplitudes 1 and 0.1


def test_tail_loss_is_the_w1_distance_of_the_bright_tail():
    from denoisekit_ultrasound.clutter_training import tail_loss

    g = torch.Generator().manual_seed(4)
    target = torch.rand(2, 1, 3, 10, 10, generator=g)
    # a shift of every value by c: W1 = |c| on any part of the distribution
    assert abs(float(tail_loss(target - 0.05, target, 0.01)) - 0.05) < 1e-6
    assert abs(float(tail_loss(target - 0.05, target, 1.0)) - 0.05) < 1e-6
    # pixels moved within each frame: the same distribution, distance 0 (a pixel-wise loss is not 0)
    moved = target.flatten(-2)[..., torch.randperm(100, generator=g)].reshape(target.shape)
    assert float(tail_loss(moved, target, 1.0)) < 1e-7 and float((moved - target).abs().mean()) > 0.1
    # only the top fraction counts: darkening the 5 darkest pixels of each frame is invisible to the top 1 %
    darker = target.flatten(-2).clone()
    darker.scatter_(-1, darker.argsort(-1)[..., :5], 0.0)
    darker = darker.reshape(target.shape)
    assert float(tail_loss(darker, target, 0.01)) == 0.0 and float(tail_loss(darker, target, 1.0)) > 0.0
    # the top 1 % of 100 values is the maximum: lowering each frame's peak by 0.2 costs 0.2
    top = target.flatten(-2).clone()
    top.scatter_add_(-1, top.argmax(-1, keepdim=True), torch.full(top.shape[:-1] + (1,), -0.2))
    second = target.flatten(-2).sort(-1).values[..., -2]
    expect = (target.flatten(-2).amax(-1) - torch.maximum(top.amax(-1), second)).mean()
    assert abs(float(tail_loss(top.reshape(target.shape), target, 0.01)) - float(expect)) < 1e-6


def test_init_fine_tunes_from_given_weights_and_rejects_other_networks(tmp_path, capsys):
    data = _training_folder(tmp_path, 2)
    base = ["train", "ultrasound/clutter-filter3d", "--data", str(data), "--quiet", "--set", "batch=1",
            "--set", "frames=5", "--set", "patch=16", "--set", "levels=2"]
    assert cli([*base, "--output", str(tmp_path / "a"), "--set", "iterations=20", "--set", "filters=4"]) == 0
    start = torch.load(tmp_path / "a" / "weights.pt", weights_only=True)["model"]
    one_step = [*base, "--set", "iterations=1", "--set", "filters=4", "--set", "lr=1e-7", "--set", "tail_weight=1"]
    assert cli([*one_step, "--output", str(tmp_path / "b"), "--set", f"init={tmp_path / 'a' / 'weights.pt'}"]) == 0
    assert cli([*one_step, "--output", str(tmp_path / "d")]) == 0
    tuned, seeded = (torch.load(tmp_path / o / "weights.pt", weights_only=True)["model"] for o in ("b", "d"))
    weights = [k for k in start if k.endswith("weight")]
    assert all(torch.allclose(tuned[k], start[k], atol=1e-5) for k in weights)  # one step at lr 1e-7 from init
    assert not all(torch.allclose(seeded[k], start[k], atol=1e-3) for k in weights)  # without init: --seed's
    capsys.readouterr()
    assert cli([*base, "--output", str(tmp_path / "c"), "--set", "iterations=1", "--set", "filters=2",
                "--set", f"init={tmp_path / 'a' / 'weights.pt'}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "weights.pt" in err[0] and "filters" in err[0]


def _three_frames(folder: Path) -> Path:
    path = folder / "three.hdf5"
    _write(_sequence(np.random.default_rng(3), 3), path)
    return path


def _sequence(rng: np.random.Generator, frames: int, band: np.ndarray | None = None) -> np.ndarray:
    """(T, 32, 24) complex speckle, a new draw each frame (fast-moving tissue); plus ``band`` in every frame."""
    seq = rng.standard_normal((frames, 32, 24)) + 1j * rng.standard_normal((frames, 32, 24))
    return seq if band is None else seq + band[None]


def _band(rng: np.random.Generator) -> np.ndarray:
    """Static near-field clutter: speckle under an envelope 3 times the tissue's at the top, decaying over 4 rows."""
    speckle = rng.standard_normal((32, 24)) + 1j * rng.standard_normal((32, 24))
    return 3.0 * np.exp(-np.arange(32) / 4.0)[:, None] * speckle


def _write(seq: np.ndarray, path: Path) -> None:
    data = np.stack([seq.real, seq.imag], -1).astype(np.float32)
    write_zea(Sample(array=data, axes="THWC", format="zea", meta={}), path)


def _env(path: Path) -> np.ndarray:
    data = read_zea(path).array.astype(np.float64)
    return np.abs(data[..., 0] + 1j * data[..., 1])


def _training_folder(root: Path, count: int) -> Path:
    """``root/data`` with ``count`` pairs of 5-frame sequences: ``hazy/`` (with a near-field band) and ``clean/``."""
    data = root / "data"
    for part in ("hazy", "clean"):
        (data / part).mkdir(parents=True)
    for i in range(count):
        seq_rng = np.random.default_rng(i)
        clean = _sequence(seq_rng, 5)
        _write(clean + _band(seq_rng)[None], data / "hazy" / f"s{i}.hdf5")
        _write(clean, data / "clean" / f"s{i}.hdf5")
    return data


def test_training_removes_static_near_field_clutter(tmp_path):
    rng = np.random.default_rng(0)
    data = _training_folder(tmp_path, 6)
    sets = {"iterations": 200, "batch": 4, "frames": 5, "patch": 16, "filters": 4, "levels": 2, "lr": 3e-3}
    argv = ["train", "ultrasound/clutter-filter3d", "--data", str(data), "--output", str(tmp_path / "w"), "--quiet"]
    for k, v in sets.items():
        argv += ["--set", f"{k}={v}"]
    assert cli(argv) == 0
    notes = json.loads((tmp_path / "w" / "train.json").read_text())["notes"]
    assert np.mean(notes["last_losses"]) < 0.5 * notes["input_mse"]
    # a held-out sequence of the same kind
    clean = _sequence(rng, 5)
    _write(clean + _band(rng)[None], tmp_path / "hazy.hdf5")
    _write(clean, tmp_path / "clean.hdf5")
    assert cli(["run", "ultrasound/clutter-filter3d", "--input", str(tmp_path / "hazy.hdf5"), "--output",
                str(tmp_path / "out"), "--set", f"weights={tmp_path / 'w' / 'weights.pt'}", "--quiet"]) == 0
    envs = [_env(p) for p in (tmp_path / "clean.hdf5", tmp_path / "hazy.hdf5", tmp_path / "out" / "hazy.hdf5")]
    ref, hazy, out = (log_compress(e, 60.0, envs[1].max()) for e in envs)  # dB on the cluttered input's scale
    near = slice(0, 6)  # the band's rows: their mean dB level goes back towards the tissue's
    bias_in, bias_out = hazy[:, near].mean() - ref[:, near].mean(), out[:, near].mean() - ref[:, near].mean()
    assert abs(bias_out) < 0.5 * bias_in, (bias_out, bias_in)
    assert abs(out[:, 12:].mean() - ref[:, 12:].mean()) < 1.0  # below the band the level is kept (dB)


def test_train_resume_continues_from_the_newest_checkpoint(tmp_path):
    data = _training_folder(tmp_path, 2)

    def train(out: Path, iterations: int, *extra: str) -> dict:
        sets = {"iterations": iterations, "batch": 2, "frames": 5, "patch": 16, "filters": 4, "levels": 2}
        argv = ["train", "ultrasound/clutter-filter3d", "--data", str(data), "--output", str(out), "--quiet", *extra]
        for k, v in sets.items():
            argv += ["--set", f"{k}={v}"]
        assert cli(argv) == 0
        return torch.load(out / "weights.pt", weights_only=True)["model"]

    def stop_at_two(out: Path) -> Path:
        """A 4-step run interrupted after step 2: its step-2 checkpoint and the 4-step run's options."""
        train(out, 2)
        options = json.loads((out / "train-options.json").read_text())
        (out / "train-options.json").write_text(json.dumps({**options, "iterations": 4}))
        return out / "checkpoints" / "step-00000002.pt"

    straight = train(tmp_path / "straight", 4)
    stop_at_two(tmp_path / "resumed")
    resumed = train(tmp_path / "resumed", 4, "--resume")
    # same initial weights (from --seed, whatever torch's global generator did before), steps, batches and draws
    assert all(torch.equal(resumed[k], straight[k]) for k in straight)
    # a checkpoint that says it is at the last step is returned as it is, not trained again
    path = stop_at_two(tmp_path / "done")
    state = torch.load(path, weights_only=True)
    torch.save({**state, "step": 4}, path)
    done = train(tmp_path / "done", 4, "--resume")
    assert all(torch.equal(done[k], state["ema"]["module"][k]) for k in done)
    assert not all(torch.equal(done[k], straight[k]) for k in done)


def test_sequence_builder_pairs_moving_tissue_with_static_haze(tmp_path):
    from denoisekit_ultrasound.clutter_data import build_clutter_set, near_field_clutter

    field = near_field_clutter((3, 40, 20), np.linspace(0.002, 0.08, 40), np.random.default_rng(0))
    assert np.abs(field[:, :5]).mean() > 5 * np.abs(field[:, -5:]).mean()  # bright near the probe
    ratio = np.abs(field[1]) / np.maximum(np.abs(field[0]), 1e-12)
    assert np.allclose(ratio, ratio.flat[0]) and 0.8 < ratio.flat[0] < 1.25  # static pattern, slowly varying gain

    folder = build_clutter_set(tmp_path, seeds=[1001], grid={"nz": 48, "nx": 32, "scatterers": 600})
    hazy = read_zea(folder / "hazy" / "sequence_01001.hdf5")
    clean = read_zea(folder / "clean" / "sequence_01001.hdf5")
    assert hazy.array.shape == clean.array.shape == (7, 48, 32, 2)
    cavity = clean.regions["cavity"]
    assert cavity.shape == (7, 48, 32) and cavity[3].sum() < cavity[0].sum()  # the heart contracts
    haze = hazy.array.astype(np.float64) - clean.array
    assert np.abs(haze).mean() > 0.1 * np.abs(clean.array).mean()
    assert build_clutter_set(tmp_path, seeds=[1001], grid={"nz": 48, "nx": 32, "scatterers": 600}) == folder


def test_one_frame_sequence_is_a_one_line_error(tmp_path, capsys):
    rng = np.random.default_rng(1)
    _write(_sequence(rng, 1), tmp_path / "one.hdf5")
    for pipeline in ("ultrasound/clutter-filter3d", "ultrasound/lowrank-dehaze"):
        out = tmp_path / pipeline.split("/")[1]
        assert cli(["run", pipeline, "--input", str(tmp_path / "one.hdf5"), "--output", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "one.hdf5" in err[0] and "at least 3 frames, got 1" in err[0]
        assert not out.exists()
