"""Samplers and schedules are found through the run context, in the host the runner used (not the process-wide
host): ``ctx.sampler(name, **params)`` and ``ctx.schedule(name, **params)``."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch

from denoisekit import manager
from denoisekit.errors import UserError
from denoisekit.hookspecs import hookimpl
from denoisekit.manager import PluginHost, PluginInfo
from denoisekit.pipeline import RunContext
from denoisekit.records import SamplerRecord, ScheduleRecord
from denoisekit.schedules import EDM


@dataclass
class FakeSampler:
    steps_taken: int = 0


class FakePlugin:
    """Registers a sampler ``fake`` and a schedule ``fake-edm`` (an EDM with another default sigma_max)."""

    @hookimpl
    def register_samplers(self) -> list[SamplerRecord]:
        return [SamplerRecord(name="fake", summary="a test double", factory=FakeSampler)]

    @hookimpl
    def register_schedules(self) -> list[ScheduleRecord]:
        return [ScheduleRecord(name="fake-edm", summary="EDM up to 3",
                               factory=lambda sigma_max=3.0: EDM(sigma_max=sigma_max))]


def host_with_fakes() -> PluginHost:
    host = PluginHost(load_entrypoints=False)
    info = PluginInfo("fakes", "denoisekit-fakes", "1.0", "loaded")
    host.plugins[info.name] = info
    host.register_plugin(FakePlugin(), info)
    return host


def test_lookup_uses_the_host_in_the_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manager, "_HOST", PluginHost(load_entrypoints=False))  # a process-wide host without fakes
    ctx = RunContext(device=torch.device("cpu"), seed=0, host=host_with_fakes())
    assert ctx.sampler("fake", steps_taken=3) == FakeSampler(3)
    assert ctx.schedule("fake-edm").t_max == 3.0 and ctx.schedule("fake-edm", sigma_max=5.0).t_max == 5.0
    assert type(ctx.sampler("heun")).__name__ == "HeunEDM"  # the core's records are in that host too
    with pytest.raises(UserError, match=r"sampler 'fake' cannot be built with bad=1"):
        ctx.sampler("fake", bad=1)
    with pytest.raises(UserError, match=r"unknown schedule 'fake-edn' \(did you mean 'fake-edm'\?\)"):
        ctx.schedule("fake-edn")


def test_a_context_without_a_host_has_the_built_ins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manager, "_HOST", host_with_fakes())  # never consulted
    ctx = RunContext(device=torch.device("cpu"), seed=0)
    assert ctx.schedule("edm", sigma_min=0.01).t_min == 0.01
    with pytest.raises(UserError, match="unknown sampler 'fake'"):
        ctx.sampler("fake")


def test_the_runner_passes_its_host(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """run_pipeline's context is built on the host it was given: a pipeline sees that host's samplers."""
    import numpy as np

    from denoisekit.runner import run_pipeline

    seen = {}

    class Probe:
        def __call__(self, sample, config, ctx):
            seen["sampler"] = ctx.sampler("fake")
            return sample

    from denoisekit.records import PipelineRecord

    class ProbePlugin:
        @hookimpl
        def register_pipelines(self) -> list[PipelineRecord]:
            return [PipelineRecord(name="probe", domain="image", factory=Probe, formats=("npy",),
                                   summary="asks the context for a sampler")]

    host = host_with_fakes()
    info = PluginInfo("probe", "denoisekit-probe", "1.0", "loaded")
    host.plugins[info.name] = info
    host.register_plugin(ProbePlugin(), info)
    np.save(tmp_path / "x.npy", np.zeros((4, 4), np.float32))
    run_pipeline(host, "image/probe", tmp_path / "x.npy", tmp_path / "out", show_progress=False)
    assert seen["sampler"] == FakeSampler()
