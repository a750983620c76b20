"""The local engine: a pool of worker processes on this machine (``concurrent.futures``).

Workers are started with ``spawn`` (a fresh interpreter: safe beside torch's threads and CUDA), pin
torch/OpenMP to one thread each by default, build the plugin host once, and die with the driver.
A worker that dies (a crash, the OOM killer) breaks the pool: the unfinished inputs go to a fresh
pool, and an input caught in ``MAX_CRASHES`` broken pools is recorded as failed.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from denoisekit.batch.tasks import Task
from denoisekit.batch.worker import TaskSpec, init_worker, record, run_task

MAX_CRASHES = 2


def run_local(spec: TaskSpec, tasks: Sequence[Task], workers: int, threads: int | None = 1) -> Iterator[dict[str, Any]]:
    """Run ``tasks`` on ``workers`` processes; yields each manifest line as its input finishes."""
    crashes: Counter[str] = Counter()
    remaining = list(tasks)
    while remaining:
        broken: list[Task] = []
        yield from _one_pool(spec, remaining, workers, threads, broken)
        remaining = []
        for task in broken:
            crashes[task.stem] += 1
            if crashes[task.stem] >= MAX_CRASHES:
                yield record(task, spec, "failed", 0.0, error="the worker process died while running it "
                                                               f"({MAX_CRASHES} times)")
            else:
                remaining.append(task)


def _one_pool(spec: TaskSpec, tasks: list[Task], workers: int, threads: int | None,
              broken: list[Task]) -> Iterator[dict[str, Any]]:
    """Feed ``tasks`` to one pool, at most ``workers`` in flight; the ones a dead worker took go to ``broken``."""
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(tasks))),
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=init_worker, initargs=(threads,))
    queue = iter(tasks)
    running: dict[Future[dict[str, Any]], Task] = {}
    clean = False
    try:
        for task in queue:  # keep the queue short so an interrupted run leaves little to cancel
            running[pool.submit(run_task, spec, task)] = task
            if len(running) >= workers:
                break
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                task = running.pop(future)
                try:
                    line = future.result()
                except BrokenProcessPool:
                    broken.append(task)
                    broken.extend(running.values())
                    broken.extend(queue)
                    running.clear()
                    break
                yield line
                nxt = next(queue, None)
                if nxt is not None:
                    running[pool.submit(run_task, spec, nxt)] = nxt
        clean = True
    finally:
        if not clean:
            _terminate(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's workers at once (an interrupted batch); their partial outputs are removed by the
    next run for the same output (docs/run-contract.md)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.terminate()
        except Exception:
            pass
