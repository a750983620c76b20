"""Batch runs: one pipeline over many inputs, in parallel (local processes or Ray), resumable, with a
manifest (docs/batch.md). ``run_batch`` is what ``denoisekit batch`` calls."""

from denoisekit.batch.driver import BatchResult, run_batch

__all__ = ["BatchResult", "run_batch"]
