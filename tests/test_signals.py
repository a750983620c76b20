"""A run stopped by SIGTERM or SIGHUP cleans up and says so in one line (exit 128 + signum); the
partial folder a SIGKILLed run leaves is removed by the next run for the same output."""

import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from denoisekit.cli import main

# The CLI with a report writer that writes half a file, says so and hangs: the write stage, on cue.
HANGING_WRITER = textwrap.dedent("""
    import sys, time
    import denoisekit.report

    def hang(path, *args, **kwargs):
        path.write_bytes(b"half a png")
        print("writing", flush=True)
        time.sleep(300)

    denoisekit.report.make_report = hang
    from denoisekit.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def killed_while_writing(tmp_path, signum):
    """Start a run, send ``signum`` in its write stage; its exit code and stderr."""
    np.save(tmp_path / "noisy.npy", np.random.default_rng(0).random((32, 32)).astype(np.float32))
    proc = subprocess.Popen([sys.executable, "-c", HANGING_WRITER, "run", "image/zs-n2n", "-i",
                             str(tmp_path / "noisy.npy"), "-o", str(tmp_path / "out"), "--set", "iterations=2",
                             "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "writing\n", proc.stderr.read()
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return proc.returncode, err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_clean_up_with_one_line(tmp_path, signum):
    code, err = killed_while_writing(tmp_path, signum)
    assert code == 128 + signum
    assert err == f"interrupted by {signal.Signals(signum).name}: nothing was written\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["noisy.npy"]


def test_the_next_run_removes_what_a_sigkill_left(tmp_path, capsys):
    code, _ = killed_while_writing(tmp_path, signal.SIGKILL)
    assert code == -signal.SIGKILL
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".out.partial-")]
    assert len(left) == 1 and (left[0] / "report.png").read_bytes() == b"half a png"
    assert main(["run", "image/zs-n2n", "-i", str(tmp_path / "noisy.npy"), "-o", str(tmp_path / "out"),
                 "--set", "iterations=2", "--quiet"]) == 0, capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["noisy.npy", "out"]
