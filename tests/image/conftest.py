"""Shared fixtures for the image domain's tests (single-threaded torch, CPU run context)."""

from __future__ import annotations

import pytest
import torch

from denoisekit.image import plugin
from denoisekit.pipeline import RunContext
from denoisekit.records import PipelineRecord

torch.set_num_threads(1)


@pytest.fixture
def ctx() -> RunContext:
    return RunContext(device=torch.device("cpu"), seed=0, show_progress=False)


@pytest.fixture
def zs_n2n_record() -> PipelineRecord:
    return next(r for r in plugin.register_pipelines() if r.name == "zs-n2n")
