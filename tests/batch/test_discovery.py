"""Which files become tasks, reference pairing, and the checks made before any task starts."""

from __future__ import annotations

import numpy as np
import pytest

from denoisekit.batch import run_batch
from denoisekit.batch.tasks import discover
from denoisekit.errors import UserError
from denoisekit.manager import PluginHost

from .conftest import write_inputs


@pytest.fixture(scope="module")
def host() -> PluginHost:
    return PluginHost(load_entrypoints=False)


def test_inputs_are_the_files_the_pipeline_reads_keyed_by_stem(host, tmp_path):
    folder = write_inputs(tmp_path / "in", 2)
    (folder / "notes.txt").write_text("not an image")
    (folder / ".hidden.npy").write_bytes(b"")
    (folder / "out").mkdir()
    np.save(folder / "out" / "x.npy", np.zeros((4, 4)))
    record = host.pipeline("image/zs-n2n")
    tasks = discover(host, record, folder, folder / "out")
    assert [(t.stem, t.input.name, t.reference) for t in tasks] == [("img0", "img0.npy", None),
                                                                   ("img1", "img1.npy", None)]
    assert [t.stem for t in discover(host, record, str(folder / "**" / "*.npy"), tmp_path / "o")] == \
        ["img0", "img1", "x"]
    (folder / "img0.nii.gz").write_bytes(b"")
    with pytest.raises(UserError, match="have the same stem 'img0'"):
        discover(host, record, folder, tmp_path / "o")


def test_references_are_paired_by_stem_and_a_missing_one_is_an_error(host, tmp_path):
    folder = write_inputs(tmp_path / "in", 2, references=tmp_path / "ref")
    record = host.pipeline("image/zs-n2n")
    tasks = discover(host, record, folder, tmp_path / "o", tmp_path / "ref")
    assert [t.reference for t in tasks] == [tmp_path / "ref" / "img0.npy", tmp_path / "ref" / "img1.npy"]
    (tmp_path / "ref" / "img1.npy").unlink()
    with pytest.raises(UserError, match="no reference with the stem of input.s. img1$"):
        discover(host, record, folder, tmp_path / "o", tmp_path / "ref")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"overrides": {"iteration": 5}}, "unknown option 'iteration'"),
    ({"seed": -1}, "--seed -1: must be an integer"),
    ({"workers": 0}, "--workers 0: must be at least 1"),
    ({"gpus_per_task": 1.0}, "--address and --gpus-per-task go with --engine ray"),
    ({"input": "nowhere/*.npy"}, "no input that image/zs-n2n reads"),
])
def test_mistakes_fail_before_any_folder_is_made(tmp_path, kwargs, message):
    folder = write_inputs(tmp_path / "in", 1)
    args = {"input": folder, **kwargs}
    with pytest.raises(UserError, match=message.replace("(", r"\(")):
        run_batch("image/zs-n2n", args.pop("input"), tmp_path / "new" / "out", show_progress=False, **args)
    assert not (tmp_path / "new").exists()


def test_a_folder_that_is_not_a_batch_is_refused(tmp_path):
    folder = write_inputs(tmp_path / "in", 1)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("keep me")
    with pytest.raises(UserError, match="not the folder of an earlier denoisekit batch"):
        run_batch("image/zs-n2n", folder, tmp_path / "mine", show_progress=False)
    with pytest.raises(UserError, match="holds the input"):
        run_batch("image/zs-n2n", folder, tmp_path, show_progress=False)


def test_metrics_are_recorded_per_input_with_references(tmp_path):
    import json

    folder = write_inputs(tmp_path / "in", 2, references=tmp_path / "ref")
    result = run_batch("image/zs-n2n", folder, tmp_path / "out", reference=tmp_path / "ref",
                       overrides={"iterations": 5}, workers=2, show_progress=False)
    assert result.ok and result.ran == 2
    for line in map(json.loads, (tmp_path / "out" / "batch.jsonl").read_text().splitlines()):
        saved = json.loads((tmp_path / "out" / line["stem"] / "metrics.json").read_text())
        assert line["metrics"] == {"input": saved["input"], "output": saved["output"]}
        assert line["reference"] == str(tmp_path / "ref" / f"{line['stem']}.npy")


def test_checksum_covers_a_files_companions_and_nothing_else(tmp_path):
    import hashlib

    from denoisekit.batch.tasks import checksum

    (tmp_path / "alone.npy").write_bytes(b"abc")
    assert checksum(tmp_path / "alone.npy") == f"sha256:{hashlib.sha256(b'abc').hexdigest()}"
    (tmp_path / "scene.hdr").write_text("ENVI")
    (tmp_path / "scene.img").write_bytes(b"\0" * 8)
    first = checksum(tmp_path / "scene.hdr")
    (tmp_path / "scene.hdr.bak").write_text("old header")
    (tmp_path / "scenes.img").write_bytes(b"other")
    assert checksum(tmp_path / "scene.hdr") == first
    (tmp_path / "scene.img").write_bytes(b"\1" * 8)
    assert checksum(tmp_path / "scene.hdr") != first
