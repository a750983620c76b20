"""`denoisekit batch` end to end: a bad input is recorded and the rest finish, a re-run resumes, a run
killed with SIGKILL resumes to the same outputs as an uninterrupted one, and worker count does not matter."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from denoisekit.atomic import MARKER, output_lock
from denoisekit.batch import run_batch
from denoisekit.cli import main

from .conftest import FAST, outputs, write_inputs


def _batch(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(["batch", "image/zs-n2n", *args, *FAST])
    out, err = capsys.readouterr()
    return code, out, err


def _lines(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "batch.jsonl").read_text().splitlines()]


def test_a_corrupt_input_is_recorded_the_rest_finish_and_a_rerun_resumes(inputs, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = _batch(["-i", str(inputs), "-o", str(out), "-w", "2"], capsys)
    assert code == 1, err
    assert "5 of 6 input(s) succeeded, 1 failed" in stdout
    assert sorted(outputs(out)) == [f"img{i}" for i in range(5)]
    assert all(sorted(p.name for p in (out / f"img{i}").iterdir()) == [MARKER, f"img{i}.npy", "report.png", "run.json"]
               for i in range(5))
    lines = _lines(out)
    assert sorted(ln["stem"] for ln in lines) == [f"img{i}" for i in range(6)]
    failed = [ln for ln in lines if ln["status"] == "failed"]
    assert [ln["stem"] for ln in failed] == ["img5"]
    assert failed[0]["error"].startswith(f"{inputs / 'img5.npy'}: corrupt or truncated .npy file")
    assert f"failed: img5: {failed[0]['error']}" in stdout
    assert all(ln["checksum"].startswith("sha256:") and ln["config"] == lines[0]["config"] for ln in lines)
    summary = json.loads((out / "batch.json").read_text())
    assert summary["status"] == "finished" and summary["config"]["iterations"] == 5
    counts = summary["counts"]
    assert [counts[k] for k in ("inputs", "succeeded", "failed", "pending", "ran")] == [6, 5, 1, 0, 6]
    run = json.loads((out / "img0" / "run.json").read_text())
    assert run["command"] == summary["command"] and run["seed"] == 0  # the batch's command, from every worker

    before = (out / "batch.jsonl").read_bytes()
    stamps = {s: (out / s / "run.json").stat().st_mtime_ns for s in outputs(out)}
    code, stdout, _ = _batch(["-i", str(inputs), "-o", str(out), "-w", "2"], capsys)
    assert code == 1 and "(0 run now, 6 skipped)" in stdout and "--retry-failed" in stdout
    assert (out / "batch.jsonl").read_bytes() == before
    assert {s: (out / s / "run.json").stat().st_mtime_ns for s in outputs(out)} == stamps

    np.save(inputs / "img5.npy", np.load(inputs / "img0.npy"))  # fixed
    code, stdout, err = _batch(["-i", str(inputs), "-o", str(out), "-w", "2", "--retry-failed"], capsys)
    assert code == 0, err
    assert "6 of 6 input(s) succeeded, 0 failed (1 run now, 5 skipped)" in stdout
    assert sorted(outputs(out)) == [f"img{i}" for i in range(6)]
    assert (out / "batch.jsonl").read_bytes().startswith(before) and len(_lines(out)) == 7
    np.testing.assert_array_equal(outputs(out)["img5"], outputs(out)["img0"])  # same input, same seed
    assert json.loads((out / "batch.json").read_text())["counts"]["succeeded"] == 6


def test_serial_and_two_workers_give_identical_outputs_and_the_seed_matters(tmp_path):
    inputs = write_inputs(tmp_path / "in", 4)
    one = run_batch("image/zs-n2n", inputs, tmp_path / "w1", overrides={"iterations": 5}, workers=1,
                    show_progress=False)
    two = run_batch("image/zs-n2n", str(inputs / "*.npy"), tmp_path / "w2", overrides={"iterations": 5}, workers=2,
                    show_progress=False)
    assert one.ok and two.ok and (one.ran, two.ran, one.inputs) == (4, 4, 4)
    a, b = outputs(tmp_path / "w1"), outputs(tmp_path / "w2")
    assert sorted(a) == sorted(b) == ["img0", "img1", "img2", "img3"]
    for stem in a:
        np.testing.assert_array_equal(a[stem], b[stem])
    other = run_batch("image/zs-n2n", str(inputs / "img0.npy"), tmp_path / "s1", overrides={"iterations": 5},
                      seed=1, workers=1, show_progress=False)
    assert other.ok and not np.array_equal(outputs(tmp_path / "s1")["img0"], a["img0"])


def test_a_batch_killed_with_sigkill_resumes_to_the_uninterrupted_outputs(tmp_path):
    inputs = write_inputs(tmp_path / "in", 6)
    slow = ["--set", "iterations=300", "--quiet"]
    out = tmp_path / "killed"
    cmd = [str(Path(sys.executable).with_name("denoisekit")), "batch", "image/zs-n2n", "-i", str(inputs),
           "-o", str(out), "-w", "2", *slow]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "batch.jsonl").is_file() and len((out / "batch.jsonl").read_bytes().splitlines()) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = (out / "batch.jsonl").read_bytes()
    finished = [json.loads(line)["stem"] for line in kept.splitlines()]
    assert 2 <= len(finished) < 6
    for folder in (p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        assert (folder / MARKER).is_file() and (folder / "run.json").is_file()  # never half-written

    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({6 - len(finished)} run now, {len(finished)} skipped)" in resumed.stdout
    assert (out / "batch.jsonl").read_bytes().startswith(kept) and len(_lines(out)) == 6

    whole = run_batch("image/zs-n2n", inputs, tmp_path / "whole", overrides={"iterations": 300}, workers=2,
                      show_progress=False)
    assert whole.ok
    a, b = outputs(out), outputs(tmp_path / "whole")
    assert sorted(a) == sorted(b) == [f"img{i}" for i in range(6)]
    for stem in a:
        np.testing.assert_array_equal(a[stem], b[stem])


def test_the_batch_folder_is_locked_against_a_second_batch(inputs, tmp_path, capsys):
    out = tmp_path / "out"
    with output_lock(out):
        code, _, err = _batch(["-i", str(inputs), "-o", str(out)], capsys)
    assert code == 2 and err.strip() == f"error: {out}: another denoisekit run is writing it; wait for it to finish"
    assert not out.exists()
