"""The run contract end to end through the CLI: outputs, metrics.json, run.json, report.png,
atomic writes, --overwrite, and one-line errors with exit code 2 for user mistakes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from denoisekit.atomic import MARKER
from denoisekit.cli import main
from denoisekit.metrics import psnr

FAST = ["--set", "iterations=40", "--quiet"]


@pytest.fixture
def noisy_pair(tmp_path):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:32, 0:32] / 32.0
    clean = (0.5 + 0.4 * np.sin(5 * xx) * np.cos(3 * yy)).astype(np.float32)
    noisy = (clean + rng.normal(0, 0.1, clean.shape)).astype(np.float32)
    np.save(tmp_path / "clean.npy", clean)
    np.save(tmp_path / "noisy.npy", noisy)
    return tmp_path / "noisy.npy", tmp_path / "clean.npy"


def run_cli(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_run_writes_the_contract_files(noisy_pair, tmp_path, capsys):
    noisy, clean = noisy_pair
    out = tmp_path / "out"
    code, stdout, err = run_cli(["run", "image/zs-n2n", "-i", str(noisy), "-r", str(clean), "-o", str(out),
                                 "--seed", "3", *FAST], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "metrics.json", "noisy.npy", "report.png", "run.json"]
    assert json.loads((out / MARKER).read_text())["pipeline"] == "image/zs-n2n"
    result = np.load(out / "noisy.npy")
    assert result.shape == (32, 32) and result.dtype == np.float32
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["pipeline"] == "image/zs-n2n"
    assert set(metrics["input"]) == set(metrics["output"]) == {"psnr", "ssim", "nmse"}
    assert metrics["output"]["psnr"] == pytest.approx(psnr(result, np.load(clean)), abs=1e-6)
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 3 and run["device"] == "cpu" and run["config"]["iterations"] == 40
    assert run["config"]["lr"] == 1e-3  # defaults are resolved into run.json
    assert {"read", "run", "write", "report", "metrics"} <= set(run["seconds"])
    assert run["versions"]["distributions"]["denoisekit"]
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "psnr" in stdout and str(out) in stdout
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_existing_output_needs_overwrite(noisy_pair, tmp_path, capsys):
    noisy, _ = noisy_pair
    out = tmp_path / "out"
    assert run_cli(["run", "image/zs-n2n", "-i", str(noisy), "-o", str(out), *FAST], capsys)[0] == 0
    first = (out / "noisy.npy").read_bytes()
    code, _, err = run_cli(["run", "image/zs-n2n", "-i", str(noisy), "-o", str(out), "--seed", "1", *FAST], capsys)
    assert code == 2 and "--overwrite" in err and str(out) in err
    assert (out / "noisy.npy").read_bytes() == first
    code, _, err = run_cli(["run", "image/zs-n2n", "-i", str(noisy), "-o", str(out), "--seed", "1", "--overwrite",
                            *FAST], capsys)
    assert code == 0, err
    assert (out / "noisy.npy").read_bytes() != first and json.loads((out / "run.json").read_text())["seed"] == 1


def test_overwrite_never_replaces_a_folder_denoisekit_did_not_write(noisy_pair, tmp_path, capsys):
    noisy, _ = noisy_pair
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, err = run_cli(["run", "image/zs-n2n", "-i", str(noisy), "-o", str(out), "--overwrite", *FAST], capsys)
    assert code == 2 and err == f"error: {out}: not an earlier denoisekit output (no {MARKER} file); " \
                               f"--overwrite replaces only those, so move or delete it yourself\n"
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing", "file not found"),
        ("nan", "NaN or Inf"),
        ("truncated", "truncated.npy"),
        ("wrong-suffix", "unsupported format"),
        ("text-as-npy", "text.npy"),
        ("ref-shape", "differs"),
    ],
)
def test_bad_input_is_one_line_exit_2(case, expected, noisy_pair, tmp_path, capsys):
    noisy, clean = noisy_pair
    ref = None
    if case == "missing":
        path = tmp_path / "nope.npy"
    elif case == "nan":
        arr = np.load(noisy)
        arr[3, 4] = np.nan
        path = tmp_path / "nan.npy"
        np.save(path, arr)
    elif case == "truncated":
        path = tmp_path / "truncated.npy"
        path.write_bytes(noisy.read_bytes()[:200])
    elif case == "wrong-suffix":
        path = tmp_path / "noisy.xyz"
        path.write_bytes(noisy.read_bytes())
    elif case == "text-as-npy":
        path = tmp_path / "text.npy"
        path.write_text("hello, I am not an array\n")
    else:
        path, ref = noisy, tmp_path / "small.npy"
        np.save(ref, np.zeros((8, 8), np.float32))
    out = tmp_path / "out"
    args = ["run", "image/zs-n2n", "-i", str(path), "-o", str(out), *FAST] + (["-r", str(ref)] if ref else [])
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert expected in err and "Traceback" not in err
    assert not out.exists()


def test_unknown_pipeline_and_option_get_suggestions(noisy_pair, tmp_path, capsys):
    noisy, _ = noisy_pair
    code, _, err = run_cli(["run", "image/zs-n2", "-i", str(noisy), "-o", str(tmp_path / "o")], capsys)
    assert code == 2 and "did you mean 'image/zs-n2n'" in err
    code, _, err = run_cli(["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path / "o"),
                            "--set", "iteration=5"], capsys)
    assert code == 2 and "did you mean 'iterations'" in err
    code, _, err = run_cli(["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path / "o"),
                            "--set", "iterations=many"], capsys)
    assert code == 2 and "expects int" in err
    code, _, err = run_cli(["run", "image/zs-n2n", "--inptu", str(noisy)], capsys)
    assert code == 2 and "--input" in err


def test_config_file_and_set_precedence(noisy_pair, tmp_path, capsys):
    noisy, _ = noisy_pair
    cfg = tmp_path / "cfg.toml"
    cfg.write_text("iterations = 7\nlr = 0.002\n")
    code, _, err = run_cli(["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path / "o"), "-c", str(cfg),
                            "--set", "iterations=5", "--quiet"], capsys)
    assert code == 0, err
    config = json.loads((tmp_path / "o" / "run.json").read_text())["config"]
    assert config["iterations"] == 5 and config["lr"] == 0.002
    cfg.write_text("iterations = [\n")
    code, _, err = run_cli(["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path / "p"), "-c", str(cfg)],
                           capsys)
    assert code == 2 and "not valid TOML" in err and str(cfg) in err


def test_pipeline_help_lists_options_with_defaults(capsys):
    code, out, _ = run_cli(["run", "image/zs-n2n", "--help"], capsys)
    assert code == 0
    assert "iterations (int, default 2000, min 1, max 100000): optimiser steps of the fit" in out
    assert "lr (float, default 0.001, min 0.0" in out
    assert ".png" in out and ".nii.gz" in out


def test_interrupt_leaves_no_partial_output(noisy_pair, tmp_path, capsys, monkeypatch):
    import denoisekit.report

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(denoisekit.report, "make_report", interrupted)
    noisy, _ = noisy_pair
    code, _, err = run_cli(["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path / "out"), *FAST], capsys)
    assert code == 130 and "nothing was written" in err
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_cuda_without_cuda_is_a_user_error(noisy_pair, tmp_path, capsys):
    noisy, _ = noisy_pair
    code, _, err = run_cli(["run", "image/zs-n2n", "-i", str(noisy), "-o", str(tmp_path / "o"),
                            "--device", "cuda"], capsys)
    assert code == 2 and "CUDA is not available" in err


def test_debug_shows_the_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "denoisekit.cli", "--debug", "run", "image/zs-n2n",
                           "-i", str(tmp_path / "missing.npy"), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" in proc.stderr and "file not found" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "denoisekit.cli", "run", "image/zs-n2n",
                           "-i", str(tmp_path / "missing.npy"), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_pipelines_listing(capsys):
    code, out, _ = run_cli(["pipelines", "--domain", "image", "--json"], capsys)
    assert code == 0
    names = {p["name"]: p for p in json.loads(out)}
    assert names["image/zs-n2n"]["summary"] and names["image/zs-n2n"]["plugin"] == "image"
    code, _, err = run_cli(["pipelines", "--domain", "imgae"], capsys)
    assert code == 2 and "did you mean 'image'" in err


@pytest.mark.slow
def test_real_sigint_leaves_no_partial_output(noisy_pair, tmp_path):
    import signal
    import time

    noisy, _ = noisy_pair
    proc = subprocess.Popen([sys.executable, "-m", "denoisekit.cli", "run", "image/zs-n2n", "-i", str(noisy),
                             "-o", str(tmp_path / "out"), "--set", "iterations=100000", "--quiet"],
                            stderr=subprocess.PIPE, text=True)
    # well into training: the imports take about 2 s of CPU; wall time varies with the machine's load
    ticks, deadline = os.sysconf("SC_CLK_TCK"), time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        if (int(fields[11]) + int(fields[12])) / ticks > 5:
            break
        time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted: nothing was written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.npy", "noisy.npy"]
