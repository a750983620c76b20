"""The Ray engine: one Ray task per input on a local Ray instance or an existing cluster (``--address``).

Each task asks for one CPU (and ``gpus_per_task`` GPUs when given or when the cluster has GPUs);
Ray re-runs a task whose worker was lost (``MAX_RETRIES``); results stream back with ``ray.wait``
as they finish, with at most ``workers`` tasks in flight when that is given. Ray reuses its worker
processes, so the plugin host is built once per worker process, as in the local engine.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from denoisekit.batch.tasks import Task
from denoisekit.batch.worker import TaskSpec, init_worker, record, run_task
from denoisekit.errors import UserError, error_line

MAX_RETRIES = 3
_READY = False


def require_ray() -> Any:
    """The ``ray`` module, or a UserError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise UserError("--engine ray needs Ray: pip install 'denoisekit[ray]' (or pip install ray)") from None
    return ray


def ray_task(spec: TaskSpec, task: Task, threads: int | None) -> dict[str, Any]:
    """What a Ray worker runs for one input: set the process up once, then :func:`run_task`."""
    global _READY
    if not _READY:
        init_worker(threads, orphan_guard=False)  # Ray manages its workers' lifetime itself
        _READY = True
    return run_task(spec, task)


def gpus_for(ray: Any, gpus_per_task: float | None, device: str) -> float:
    """The GPUs one task asks for: ``gpus_per_task`` when given, else 1 when the cluster has GPUs and the
    device is not the CPU, else 0."""
    if gpus_per_task is not None:
        return gpus_per_task
    return 1.0 if device != "cpu" and ray.cluster_resources().get("GPU", 0) > 0 else 0.0


def run_ray(spec: TaskSpec, tasks: Sequence[Task], *, workers: int | None = None, address: str | None = None,
            gpus_per_task: float | None = None, threads: int | None = 1) -> Iterator[dict[str, Any]]:
    """Run ``tasks`` on Ray; yields each manifest line as its input finishes.

    Uses the Ray instance this process already joined, else connects to ``address``, else starts a local
    one (``workers`` CPUs when given) and stops it at the end.
    """
    ray = require_ray()
    started = False
    if not ray.is_initialized():
        options: dict[str, Any] = {"address": address} if address else ({"num_cpus": workers} if workers else {})
        try:
            ray.init(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False, **options)
        except ConnectionError as e:
            raise UserError(f"--address {address}: cannot connect to a Ray cluster ({e})") from None
        started = True
    pending: dict[Any, Task] = {}
    try:
        remote = ray.remote(ray_task).options(num_cpus=1, num_gpus=gpus_for(ray, gpus_per_task, spec.device),
                                              max_retries=MAX_RETRIES)
        limit = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        queue = iter(tasks)

        def submit() -> None:
            task = next(queue, None)
            if task is not None:
                pending[remote.remote(spec, task, threads)] = task

        for _ in range(limit):
            submit()
        while pending:
            finished, _ = ray.wait(list(pending), num_returns=1)
            for ref in finished:
                task = pending.pop(ref)
                try:
                    line = ray.get(ref)
                except ray.exceptions.RayError as e:
                    line = record(task, spec, "failed", 0.0, error=f"ray: {error_line(e)}")
                yield line
                submit()
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()
