"""What one worker process does for one input (both engines): ``run_pipeline`` into ``DIR/<stem>/``.

The host is built once per worker process, and torch/OpenMP are pinned to ``threads`` threads there
so that N workers on N cores do not oversubscribe them.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from denoisekit.batch.tasks import Task, checksum
from denoisekit.errors import error_line
from denoisekit.manager import PluginHost

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
_HOST: PluginHost | None = None


@dataclass(frozen=True)
class TaskSpec:
    """What every task of a batch shares: the pipeline, its resolved options, device, seed and batch folder."""

    pipeline: str
    options: dict[str, Any]
    device: str
    seed: int
    output: Path
    config_key: str
    command: tuple[str, ...] = ()


def pin_threads(threads: int | None) -> None:
    """Limit torch and the OpenMP/BLAS libraries loaded from now on to ``threads`` threads (None: leave them)."""
    if threads is None:
        return
    for name in _THREAD_VARIABLES:
        os.environ[name] = str(threads)
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:  # already set, or parallel work already ran in this process
        pass


def die_with_parent() -> None:
    """On Linux, have this process killed when the process that started it dies (no orphan keeps writing)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def init_worker(threads: int | None = 1, orphan_guard: bool = True) -> None:
    """Set a worker process up: thread pinning, the orphan guard, and the plugin host (built once)."""
    if orphan_guard:
        die_with_parent()
    pin_threads(threads)
    worker_host()


def worker_host() -> PluginHost:
    """This process's plugin host, built on first use (the installed plugins, as ``denoisekit run`` loads them)."""
    global _HOST
    if _HOST is None:
        from denoisekit.manager import get_host

        _HOST = get_host()
    return _HOST


def record(task: Task, spec: TaskSpec, status: str, seconds: float, *, digest: str | None = None,
           metrics: dict[str, Any] | None = None, error: str | None = None) -> dict[str, Any]:
    """One manifest line (see docs/batch.md)."""
    return {"stem": task.stem, "input": str(task.input),
            "reference": str(task.reference) if task.reference else None, "status": status,
            "output": task.stem if status == "ok" else None, "seconds": round(seconds, 4), "metrics": metrics,
            "error": error, "checksum": digest, "config": spec.config_key,
            "worker": f"{socket.gethostname()}:{os.getpid()}",
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def run_task(spec: TaskSpec, task: Task) -> dict[str, Any]:
    """Run the batch's pipeline on ``task``; its manifest line. A failure is recorded, never raised."""
    from denoisekit.runner import run_pipeline

    started = time.perf_counter()
    digest = None
    argv = sys.argv
    try:
        try:
            digest = checksum(task.input)
        except OSError:  # missing or unreadable: run_pipeline names the problem
            digest = None
        if spec.command:
            sys.argv = list(spec.command)  # run.json's "command" is the batch command, on every engine
        result = run_pipeline(worker_host(), spec.pipeline, task.input, spec.output / task.stem,
                              reference=task.reference, overrides=spec.options, device=spec.device, seed=spec.seed,
                              overwrite=True, show_progress=False)
    except Exception as e:
        return record(task, spec, "failed", time.perf_counter() - started, digest=digest, error=error_line(e))
    finally:
        sys.argv = argv
    return record(task, spec, "ok", time.perf_counter() - started, digest=digest, metrics=result.metrics)
