"""The pipeline interface and the context a pipeline runs in (device, seed, progress, timings)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    import torch

    from denoisekit.sample import Sample

T = TypeVar("T")


class Pipeline(Protocol):
    """A pipeline maps an input sample to an output sample of the same shape and format.

    ``config`` holds every option of the pipeline's record, resolved and type-checked.
    """

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> Sample: ...


@dataclass
class RunContext:
    """What the runner hands a pipeline: device, seed, progress reporting and stage timings."""

    device: torch.device
    seed: int
    show_progress: bool = True
    timings: dict[str, float] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

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
