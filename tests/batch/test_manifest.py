"""batch.jsonl and the resume plan: torn lines, appends, and which inputs a re-run skips or redoes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from denoisekit.batch.manifest import Manifest, config_key, plan
from denoisekit.batch.tasks import Task, checksum
from denoisekit.errors import UserError


def test_a_torn_last_line_is_ignored_and_the_next_append_starts_a_new_line(tmp_path):
    manifest = Manifest(tmp_path)
    manifest.append({"stem": "a", "status": "ok"})
    with manifest.path.open("ab") as f:
        f.write(b'{"stem": "b", "sta')  # a crash in the middle of a write
    assert [ln["stem"] for ln in manifest.lines()] == ["a"]
    manifest.append({"stem": "b", "status": "failed"})
    manifest.append({"stem": "a", "status": "failed"})
    raw = manifest.path.read_bytes().splitlines()
    assert raw[1] == b'{"stem": "b", "sta' and len(raw) == 4
    assert {k: v["status"] for k, v in manifest.latest().items()} == {"a": "failed", "b": "failed"}  # later wins


def test_checksums_follow_the_bytes_of_files_and_folders(tmp_path):
    (tmp_path / "f.bin").write_bytes(b"abc")
    assert checksum(tmp_path / "f.bin") == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    series = tmp_path / "series"
    series.mkdir()
    (series / "1.dcm").write_bytes(b"x")
    first = checksum(series)
    (series / "2.dcm").write_bytes(b"y")
    assert checksum(series) != first


def test_the_plan_skips_finished_inputs_and_redoes_changed_ones(tmp_path):
    tasks = []
    for stem in ("a", "b", "c", "d"):
        np.save(tmp_path / f"{stem}.npy", np.zeros(3))
        (tmp_path / "out" / stem).mkdir(parents=True)
        tasks.append(Task(stem, tmp_path / f"{stem}.npy"))
    key = config_key("image/zs-n2n", {"iterations": 5}, 0)
    digest = checksum(tasks[0].input)
    latest = {"a": {"status": "ok", "checksum": digest, "config": key},
              "b": {"status": "failed", "checksum": digest, "config": key},
              "c": {"status": "ok", "checksum": "sha256:other", "config": key}}
    p = plan(tasks, latest, key, tmp_path / "out")
    assert ([t.stem for t in p.done], [t.stem for t in p.failed], [t.stem for t in p.todo],
            [t.stem for t in p.redo]) == (["a"], ["b"], ["c", "d"], ["c"])
    assert [t.stem for t in plan(tasks, latest, key, tmp_path / "out", retry_failed=True).todo] == ["b", "c", "d"]
    (tmp_path / "out" / "a").rmdir()  # an output deleted by hand is made again
    assert "a" in [t.stem for t in plan(tasks, latest, key, tmp_path / "out").todo]
    other = config_key("image/zs-n2n", {"iterations": 6}, 0)
    with pytest.raises(UserError, match="were processed with another pipeline, options or seed"):
        plan(tasks, latest, other, tmp_path / "out")
    assert len(plan(tasks, latest, other, tmp_path / "out", overwrite=True).todo) == 4
    assert json.dumps(latest)  # the lines stay plain JSON
