"""``denoisekit train`` end to end on image/ddim's prior: weights a pipeline can load, checkpoints,
an interrupted run resumed to the same weights, and one-line errors for user mistakes."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from denoisekit.cli import main

TINY = ["--set", "iterations=4", "--set", "batch=2", "--set", "patch=16", "--set", "width=4", "--set", "depth=2",
        "--set", "checkpoint_every=2", "--quiet"]


@pytest.fixture
def images(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:24, 0:24] / 24.0
    for i in range(3):
        img = 0.5 + 0.4 * np.sin((3 + i) * xx + rng.uniform()) * np.cos(2 * yy)
        Image.fromarray((img * 255).astype(np.uint8)).save(folder / f"{i}.png")
    return folder


def cli(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_train_writes_weights_that_the_pipeline_loads(images, tmp_path, capsys):
    out = tmp_path / "trained"
    code, stdout, err = cli(["train", "image/ddim", "--data", str(images), "--output", str(out), *TINY], capsys)
    assert code == 0, err
    assert (out / "weights.pt").is_file() and "weights.pt" in stdout
    assert [p.name for p in sorted((out / "checkpoints").iterdir())] == ["step-00000002.pt", "step-00000004.pt"]
    record = json.loads((out / "train.json").read_text())
    assert record["pipeline"] == "image/ddim" and record["options"]["iterations"] == 4
    assert record["notes"]["images"] == 3
    payload = torch.load(out / "weights.pt", weights_only=True)
    assert payload["pipeline"] == "image/ddim" and set(payload["state_dict"]) == {"net.0.weight", "net.2.weight"}

    np.save(tmp_path / "noisy.npy", np.random.default_rng(1).random((24, 24)).astype(np.float32))
    code, _, err = cli(["run", "image/ddim", "-i", str(tmp_path / "noisy.npy"), "-o", str(tmp_path / "run"),
                        "--set", f"weights={out / 'weights.pt'}", "--set", "steps=1", "--quiet"], capsys)
    assert code == 0, err


@pytest.mark.parametrize("suffix", [".npy", ".tif"])
def test_trains_on_every_format_the_pipeline_reads(images, tmp_path, capsys, suffix):
    """The same 8-bit images as .npy or .tif files (read by the host's readers, as ``run`` reads them) train
    to the same weights as the PNGs; a file no format reads is skipped."""
    import tifffile

    other = tmp_path / suffix.lstrip(".")
    other.mkdir()
    for png in sorted(images.glob("*.png")):
        pixels = np.asarray(Image.open(png))
        if suffix == ".npy":
            np.save(other / f"{png.stem}.npy", pixels)
        else:
            tifffile.imwrite(other / f"{png.stem}.tif", pixels)
    (other / "notes.txt").write_text("not an image")
    for folder, out in ((images, tmp_path / "from-png"), (other, tmp_path / "from-other")):
        code, _, err = cli(["train", "image/ddim", "-d", str(folder), "-o", str(out), *TINY], capsys)
        assert code == 0, err
    assert json.loads((tmp_path / "from-other" / "train.json").read_text())["notes"]["images"] == 3
    a = torch.load(tmp_path / "from-png" / "weights.pt", weights_only=True)["state_dict"]
    b = torch.load(tmp_path / "from-other" / "weights.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_interrupted_training_resumes_to_the_same_weights(images, tmp_path, capsys):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    for out in (whole, cut):
        assert cli(["train", "image/ddim", "-d", str(images), "-o", str(out), *TINY], capsys)[0] == 0
    # a run killed after its step-2 checkpoint: no later checkpoint, no weights.pt
    (cut / "weights.pt").unlink()
    (cut / "checkpoints" / "step-00000004.pt").unlink()
    kept = (cut / "checkpoints" / "step-00000002.pt").stat()
    code, _, err = cli(["train", "image/ddim", "-d", str(images), "-o", str(cut), "--resume", *TINY], capsys)
    assert code == 0, err
    a = torch.load(whole / "weights.pt", weights_only=True)["state_dict"]
    b = torch.load(cut / "weights.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    # it continued from step 2 (a run from scratch would have rewritten the step-2 checkpoint)
    again = (cut / "checkpoints" / "step-00000002.pt").stat()
    assert (again.st_ino, again.st_mtime_ns) == (kept.st_ino, kept.st_mtime_ns)
    assert json.loads((cut / "train.json").read_text())["resumed"] is True


@pytest.mark.parametrize("extra, message", [
    ([], "exists and is not empty (--resume to continue the training, --overwrite to start again)"),
    (["--resume", "--set", "lr=0.01"], "--resume with different options (lr)"),
    (["--resume", "--overwrite"], "--resume and --overwrite exclude each other"),
])
def test_existing_output_needs_resume_or_overwrite(images, tmp_path, capsys, extra, message):
    out = tmp_path / "trained"
    assert cli(["train", "image/ddim", "-d", str(images), "-o", str(out), *TINY], capsys)[0] == 0
    before = (out / "weights.pt").read_bytes()
    code, _, err = cli(["train", "image/ddim", "-d", str(images), "-o", str(out), *TINY, *extra], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert (out / "weights.pt").read_bytes() == before


def test_overwrite_starts_again(images, tmp_path, capsys):
    out = tmp_path / "trained"
    assert cli(["train", "image/ddim", "-d", str(images), "-o", str(out), *TINY], capsys)[0] == 0
    (out / "stale.txt").write_text("old")  # an earlier training's output: --overwrite may replace it
    assert cli(["train", "image/ddim", "-d", str(images), "-o", str(out), "--overwrite", *TINY], capsys)[0] == 0
    assert not (out / "stale.txt").exists() and (out / "weights.pt").is_file()


@pytest.mark.parametrize("args, message", [
    (["image/zs-n2n", "-d", "{images}", "-o", "{out}"], "image/zs-n2n has nothing to train (pipelines that train: "),
    (["image/ddim", "-d", "{missing}", "-o", "{out}"], "training data not found"),
    (["image/ddim", "-d", "{images}", "-o", "{out}", "--resume"], "nothing to resume"),
    (["image/ddim", "-d", "{images}", "-o", "{out}", "--set", "stepz=3"],
     "unknown option 'stepz' for train image/ddim"),
    (["image/ddim", "-d", "{images}"], "train: missing --output"),
])
def test_user_mistakes_are_one_line(images, tmp_path, capsys, args, message):
    paths = {"images": images, "out": tmp_path / "out", "missing": tmp_path / "nowhere"}
    code, _, err = cli(["train", *(a.format(**paths) for a in args), "--quiet"], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out" / "weights.pt").exists()


def test_image_smaller_than_the_patch_is_named(images, tmp_path, capsys):
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(images / "tiny.png")
    code, _, err = cli(["train", "image/ddim", "-d", str(images), "-o", str(tmp_path / "o"), *TINY], capsys)
    assert code == 2 and "tiny.png" in err and "smaller than the training patch" in err


def test_train_help_lists_the_training_options(capsys):
    code, out, _ = cli(["train", "image/ddim", "--help"], capsys)
    assert code == 0 and "sigma_max (float, default 0.4" in out and "--set weights=DIR/weights.pt" in out
    code, out, _ = cli(["run", "image/ddim", "--help"], capsys)
    assert "training: denoisekit train image/ddim --help" in out
