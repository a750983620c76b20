"""``run_batch``: check everything once, claim the batch folder, plan the resume, run the engine, record."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from denoisekit.atomic import (
    MARKER,
    check_output_dir,
    holds,
    make_parents,
    output_lock,
    refuse_current_directory,
    write_marker,
)
from denoisekit.batch.manifest import LINES, Manifest, Plan, config_key, plan, write_summary
from denoisekit.batch.tasks import Task, discover
from denoisekit.batch.worker import TaskSpec
from denoisekit.errors import UserError
from denoisekit.manager import PluginHost

ENGINES = ("local", "ray")


@dataclass
class BatchResult:
    """The outcome of :func:`run_batch`; ``ok`` when every input has finished successfully."""

    output: Path
    inputs: int
    succeeded: int
    failed: int
    ran: int
    skipped: int
    seconds: float
    failures: dict[str, str] = field(default_factory=dict)  # stem -> one-line error

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.succeeded == self.inputs

    @property
    def throughput(self) -> float:
        """Inputs run per second of wall time in this call."""
        return self.ran / self.seconds if self.seconds > 0 else 0.0


def default_workers() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def check_batch_output(output: Path, tasks: list[Task]) -> None:
    """Refuse a batch folder that is a file, the current directory, holds an input, or is a non-empty
    folder that is not an earlier batch's (it would have a ``.denoisekit-output`` marker from ``batch``)."""
    protect = [p for t in tasks for p in (t.input, t.reference) if p is not None]
    if output.is_dir() and any(output.iterdir()):
        try:
            kind = json.loads((output / MARKER).read_text()).get("command")
        except (OSError, ValueError, AttributeError):
            kind = None
        if kind != "batch":
            refuse_current_directory(output)
            for path in protect:
                if holds(output, path):
                    raise UserError(f"{output}: holds the input {path}; name another folder for the output")
            raise UserError(f"{output}: not the folder of an earlier denoisekit batch; name a new or empty folder")
    check_output_dir(output, overwrite=True, protect=protect)  # a file in the way, the cwd, an input inside


def _check_engine(engine: str, workers: int | None, address: str | None, gpus_per_task: float | None) -> None:
    if engine not in ENGINES:
        raise UserError(f"--engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise UserError(f"--workers {workers}: must be at least 1")
    if engine != "ray" and (address is not None or gpus_per_task is not None):
        raise UserError("--address and --gpus-per-task go with --engine ray")
    if gpus_per_task is not None and gpus_per_task < 0:
        raise UserError(f"--gpus-per-task {gpus_per_task}: must not be negative")


def _check_device(device: str, engine: str) -> None:
    """The local engine's device must exist here; a Ray cluster's devices are its nodes', so only the
    spelling is checked."""
    from denoisekit.device import resolve_device

    if engine == "local":
        resolve_device(device)
    elif not (device in ("auto", "cpu", "cuda") or (device.startswith("cuda:") and device[5:].isdigit())):
        raise UserError(f"--device {device!r}: expected auto, cpu, cuda or cuda:N")


def run_batch(pipeline: str, input: str | Path, output: str | Path, *, reference: str | Path | None = None,
              config_file: str | Path | None = None, overrides: Mapping[str, Any] | None = None,
              device: str = "auto", seed: int = 0, workers: int | None = None, engine: str = "local",
              address: str | None = None, gpus_per_task: float | None = None, threads: int | None = 1,
              overwrite: bool = False, retry_failed: bool = False, show_progress: bool = True,
              host: PluginHost | None = None) -> BatchResult:
    """Run ``pipeline`` on every input under ``input`` (a folder or a glob) into ``output/<stem>/``.

    Each input's folder holds what ``denoisekit run`` writes for it; ``output/batch.jsonl`` gets one line
    per finished input and ``output/batch.json`` the summary. A re-run resumes: finished inputs are
    skipped, failed ones retried only with ``retry_failed``; ``overwrite`` redoes everything. Every task
    uses ``seed``, so an input's output does not depend on the worker count or the order.
    ``workers``: processes (local, default: the CPUs here) or tasks in flight (ray, default: the
    cluster's CPUs); ``threads``: torch/OpenMP threads per worker (None: leave as is). See docs/batch.md.
    """
    from denoisekit.manager import get_host
    from denoisekit.options import read_config_file, resolve_options
    from denoisekit.runner import check_seed

    started, clock = datetime.now(timezone.utc), time.perf_counter()
    host = host or get_host()
    record = host.pipeline(pipeline)
    config_path = Path(config_file) if config_file is not None else None
    options = resolve_options(record, read_config_file(config_path) if config_path else {}, overrides,
                              config_path=config_path)
    if record.check is not None:
        record.check(options)
    check_seed(seed)
    _check_engine(engine, workers, address, gpus_per_task)
    _check_device(device, engine)
    if engine == "ray":
        from denoisekit.batch.ray_engine import require_ray

        require_ray()
    output = Path(os.path.abspath(output))
    if Path(input).exists() and holds(output, Path(input)):
        raise UserError(f"{output}: holds the input {input}; name another folder for the output")
    tasks = discover(host, record, input, output, Path(reference) if reference is not None else None)
    check_batch_output(output, tasks)
    key = config_key(record.key, options, seed)
    spec = TaskSpec(record.key, options, device, seed, output, key, tuple(sys.argv))
    make_parents(output)
    with output_lock(output):
        check_batch_output(output, tasks)  # again: it may have changed while we waited
        output.mkdir(exist_ok=True)
        if not (output / MARKER).is_file():
            write_marker(output, {"command": "batch", "pipeline": record.key, "input": str(input)})
        manifest = Manifest(output)
        if overwrite:
            manifest.reset()
        todo = plan(tasks, manifest.latest(), key, output, overwrite=overwrite, retry_failed=retry_failed)
        summary = {"pipeline": record.key, "input": str(input), "output": str(output),
                   "reference": str(reference) if reference is not None else None, "config": options,
                   "seed": seed, "device": device, "engine": engine,
                   "workers": workers or (default_workers() if engine == "local" else None), "threads": threads,
                   "started": started.isoformat(timespec="seconds"), "command": sys.argv}
        from denoisekit.runner import versions

        summary["versions"] = versions(host)
        write_summary(output, {**summary, "status": "running", **_counts(tasks, manifest, todo, 0, clock)})
        status = "interrupted"
        ran = 0
        lines = _engine(spec, todo.todo, engine, workers, address, gpus_per_task, threads)
        try:
            for line in _progress(lines, f"batch {record.key}", len(todo.todo), show_progress):
                manifest.append(line)
                ran += 1
            status = "finished"
        finally:
            if hasattr(lines, "close"):
                lines.close()  # stops the workers at once when the loop ended early
            write_summary(output, {**summary, "status": status, **_counts(tasks, manifest, todo, ran, clock),
                                   "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    latest = manifest.latest()
    lines = [latest[t.stem] for t in tasks if t.stem in latest]
    return BatchResult(output, len(tasks), sum(ln["status"] == "ok" for ln in lines),
                       sum(ln["status"] == "failed" for ln in lines), ran, len(todo.done) + len(todo.failed),
                       time.perf_counter() - clock,
                       {ln["stem"]: ln["error"] for ln in lines if ln["status"] == "failed"})


def _counts(tasks: list[Task], manifest: Manifest, todo: Plan, ran: int, clock: float) -> dict[str, Any]:
    """The summary's counts, wall time and throughput so far."""
    latest = manifest.latest()
    statuses = [latest[t.stem]["status"] for t in tasks if t.stem in latest]
    seconds = time.perf_counter() - clock
    return {"counts": {"inputs": len(tasks), "succeeded": statuses.count("ok"), "failed": statuses.count("failed"),
                       "pending": len(tasks) - len(statuses), "ran": ran, "skipped": len(todo.done),
                       "not_retried": len(todo.failed), "input_changed": len(todo.redo)},
            "seconds": round(seconds, 3), "throughput": round(ran / seconds, 4) if seconds > 0 else 0.0,
            "manifest": LINES}


def _engine(spec: TaskSpec, tasks: list[Task], engine: str, workers: int | None, address: str | None,
            gpus_per_task: float | None, threads: int | None):
    if not tasks:
        return iter(())
    if engine == "ray":
        from denoisekit.batch.ray_engine import run_ray

        return run_ray(spec, tasks, workers=workers, address=address, gpus_per_task=gpus_per_task, threads=threads)
    from denoisekit.batch.local import run_local

    return run_local(spec, tasks, workers or default_workers(), threads)


def _progress(lines, description: str, total: int, enabled: bool):
    """Pass the engine's lines through, reporting inputs done, failures and inputs/s on stderr."""
    from denoisekit.progress import Progress

    if not total:
        return
    begun = time.perf_counter()
    failed = 0
    with Progress(description, total, enabled=enabled) as bar:
        for done, line in enumerate(lines, 1):
            yield line
            failed += line["status"] == "failed"
            rate = done / max(time.perf_counter() - begun, 1e-9)
            bar.update(done, failed=str(failed), rate=f"{rate:.2f} inputs/s")
