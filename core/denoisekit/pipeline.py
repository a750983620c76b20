"""The pipeline interface and the context a pipeline runs in (device, seed, progress, timings)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    import torch

    from denoisekit.manager import PluginHost
    from denoisekit.pipeline_result import PipelineResult
    from denoisekit.sample import Sample

T = TypeVar("T")


class Pipeline(Protocol):
    """A pipeline maps an input sample to an output sample of the same shape and format.

    ``config`` holds every option of the pipeline's record, resolved and type-checked. It returns a
    :class:`~denoisekit.pipeline_result.PipelineResult` (the sample plus extra arrays and notes) or
    just the :class:`Sample`.
    """

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult | Sample: ...


@dataclass
class RunContext:
    """What the runner hands a pipeline: device, seed, progress reporting and stage timings.

    A pipeline reports notes (run.json's ``notes``) only through its result's
    :attr:`~denoisekit.pipeline_result.PipelineResult.notes`, a training fit's through its
    :class:`~denoisekit.fit_result.FitResult`."""

    device: torch.device
    seed: int
    show_progress: bool = True
    timings: dict[str, float] = field(default_factory=dict)
    host: PluginHost | None = None  # the runner's; None: the built-in plugins only (tests, scripts)

    def _component(self, hook: str, name: str, params: Mapping[str, Any]) -> Any:
        """The building block registered as ``name`` under ``hook`` in the context's host, built with
        ``params``; an unknown name (with a suggestion) or a parameter it does not take is a UserError."""
        from denoisekit.errors import UserError
        from denoisekit.manager import PluginHost
        from denoisekit.records import kind_of

        if self.host is None:
            self.host = PluginHost(load_entrypoints=False)
        record = self.host.component(hook, name)
        try:
            return record.factory(**params)
        except TypeError as e:
            given = ", ".join(f"{k}={v!r}" for k, v in params.items())
            raise UserError(f"{kind_of(hook)} {name!r} cannot be built with {given} ({e})") from None

    def sampler(self, name: str, **params: Any) -> Any:
        """The diffusion sampler registered as ``name`` (by any plugin of the run's host), built with ``params``."""
        return self._component("register_samplers", name, params)

    def schedule(self, name: str, **params: Any) -> Any:
        """The noise schedule registered as ``name`` (by any plugin of the run's host), built with ``params``."""
        return self._component("register_schedules", name, params)

    def generator(self, offset: int = 0) -> torch.Generator:
        """A ``torch.Generator`` on the run's device seeded with ``seed + offset``."""
        import torch

        g = torch.Generator(device=self.device)
        g.manual_seed(self.seed + offset)
        return g

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage; seconds are added to ``timings[name]`` and written to run.json."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start

    def progress(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        """Iterate over ``items`` reporting progress on stderr: a bar on a terminal, log lines
        elsewhere, nothing without ``show_progress`` (see :mod:`denoisekit.progress`)."""
        from denoisekit.progress import track

        yield from track(items, description, total, enabled=self.show_progress)
