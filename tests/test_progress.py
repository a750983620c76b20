"""Progress goes to stderr only: a bar on a terminal, a few plain log lines off one, nothing when quiet."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pytest
import torch

from denoisekit import catalogue
from denoisekit.cli import main
from denoisekit.pipeline import RunContext
from denoisekit.progress import Progress, track
from denoisekit.training.progress import LossBar


class Clock:
    """A clock that the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def run_context_track(items: Iterable[int], description: str, total: int | None = None) -> Iterator[int]:
    return RunContext(device=torch.device("cpu"), seed=0).progress(items, description, total)


def loss_bar_track(items: Iterable[int], description: str, total: int | None = None) -> Iterator[int]:
    with LossBar(total, 0, True, description) as bar:
        for step, item in enumerate(items, 1):
            yield item
            bar.update(step, 0.5)


def sampler_track(items: Iterable[int], description: str, total: int | None = None) -> Iterator[int]:
    """A sampler's progress over ``total`` steps (it reports ``EulerEDM: sampling``, not ``description``)."""
    from denoisekit.denoisers.gaussian import GaussianPriorDenoiser
    from denoisekit.samplers import EulerEDM
    from denoisekit.schedules import EDM

    prior = GaussianPriorDenoiser(torch.zeros(4, dtype=torch.float64), torch.eye(4, dtype=torch.float64))
    EulerEDM().sample(prior, EDM(), (3, 4), steps=total, generator=torch.Generator().manual_seed(0), progress=True)
    return iter(items)


TRACKERS: dict[str, Callable[..., Iterator[int]]] = {
    "track": track, "RunContext.progress": run_context_track, "catalogue.progress": catalogue.progress,
    "LossBar": loss_bar_track, "Sampler": sampler_track,
}


def test_log_lines_at_start_every_tenth_and_end(capfd) -> None:
    clock = Clock()
    with Progress("zs-n2n: training", 400, clock=clock) as progress:
        for step in range(1, 401):
            clock.now += 0.05  # 20 s in all: no line is due to time
            progress.update(step)
    logged = [int(line.split()[2].split("/")[0]) for line in capfd.readouterr().err.splitlines()]
    assert logged == [0, 40, 80, 120, 160, 200, 240, 280, 320, 360, 400]


def test_log_line_format(capfd: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    with Progress("zs-n2n: training", 400, clock=clock) as progress:
        clock.now += 12.1
        progress.update(120)
        clock.now += 28.0
        progress.update(130, loss="0.0123")  # not a new tenth, but 30 s since the last line
    out, err = capfd.readouterr()
    assert out == ""
    assert err.splitlines() == ["zs-n2n: training 0/400 (0%) 0.0 s elapsed",
                                "zs-n2n: training 120/400 (30%) 12.1 s elapsed, ~28 s left",
                                "zs-n2n: training 130/400 (32%) 40.1 s elapsed, ~83 s left, loss 0.0123"]


def test_a_resumed_run_estimates_from_its_own_rate_and_an_unknown_total_has_no_estimate(capfd) -> None:
    clock = Clock()
    with Progress("training", 100, completed=50, clock=clock) as progress:
        clock.now += 10
        progress.update(60)
    with Progress("reading", clock=clock) as progress:
        clock.now += 31
        progress.update(7)
    assert capfd.readouterr().err.splitlines() == [
        "training 50/100 (50%) 0.0 s elapsed", "training 60/100 (60%) 10.0 s elapsed, ~40 s left",
        "reading 0 0.0 s elapsed", "reading 7 31.0 s elapsed"]


@pytest.mark.parametrize("name", list(TRACKERS))
def test_off_a_terminal_stdout_stays_empty_and_stderr_gets_lines(name: str, capfd, monkeypatch) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    assert list(TRACKERS[name](range(20), "demo", total=20)) == list(range(20))
    out, err = capfd.readouterr()
    assert out == ""
    lines = err.splitlines()
    label = "EulerEDM: sampling" if name == "Sampler" else "demo"
    assert len(lines) == 11 and lines[0].startswith(f"{label} 0/20 (0%)"), err
    assert lines[-1].startswith(f"{label} 20/20 (100%)"), err
    assert all(("loss 0.5" in line) == (name == "LossBar" and i > 0) for i, line in enumerate(lines))


@pytest.mark.parametrize("name", list(TRACKERS))
def test_on_a_terminal_the_bar_draws_on_stderr(name: str, capfd, monkeypatch) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich then treats the captured stderr as a terminal
    assert list(TRACKERS[name](range(5), "demo", total=5)) == list(range(5))
    out, err = capfd.readouterr()
    assert out == "" and err != ""


def test_quiet_prints_nothing(capfd) -> None:
    ctx = RunContext(device=torch.device("cpu"), seed=0, show_progress=False)
    assert list(ctx.progress(range(5), "demo")) == list(range(5))
    with catalogue.quiet():
        assert list(catalogue.progress(range(5), "demo")) == list(range(5))
    with LossBar(5, 0, False) as bar:
        bar.update(5, 0.1)
    assert list(track(range(5), "demo", enabled=False)) == list(range(5))
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("quiet", [False, True])
def test_a_piped_run_keeps_stdout_clean_and_logs_progress(quiet: bool, tmp_path, capfd, monkeypatch) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((16, 16), dtype=np.float32))
    args = ["run", "image/zs-n2n", "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "o"), "--set", "iterations=10"]
    assert main(args + ["--quiet"] * quiet) == 0
    out, err = capfd.readouterr()
    assert out.startswith("image/zs-n2n: wrote ")
    training = [line for line in err.splitlines() if line.startswith("zs-n2n: training")]
    if quiet:
        assert err == ""
    else:
        assert training[0].startswith("zs-n2n: training 0/10 (0%)") and training[-1].startswith(
            "zs-n2n: training 10/10 (100%)"), err
