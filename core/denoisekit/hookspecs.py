"""Hook specifications: what a denoisekit plugin can implement.

Every hook takes no argument and returns an iterable of frozen records (see
:mod:`denoisekit.records`); the host flattens, validates, checks for conflicts and sorts them
(the pattern of conda's plugin system). A plugin is a module or object whose functions are
decorated with :data:`hookimpl` and named like the specs below; it is announced through the
entry point group ``denoisekit.plugins``::

    [project.entry-points."denoisekit.plugins"]
    myplugin = "my_package.plugin"

Each hook is documented with an example in ``docs/plugin-hooks.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from denoisekit.records import (
        CommandRecord,
        DatasetRecord,
        DenoiserRecord,
        DomainRecord,
        FormatRecord,
        LossRecord,
        MetricRecord,
        NoiseModelRecord,
        OperatorRecord,
        PipelineRecord,
        SamplerRecord,
        ScheduleRecord,
    )

PROJECT = "denoisekit"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_domains() -> Iterable[DomainRecord]:
    """Domains this plugin provides: a name (``ct``), a summary and the demo to run.

    A domain groups pipelines and formats; ``denoisekit demo DOMAIN`` builds the domain's
    built-in sample with ``DomainRecord.build_sample`` and runs ``DomainRecord.demo_pipeline`` on it.
    """


@hookspec
def register_pipelines() -> Iterable[PipelineRecord]:
    """Pipelines this plugin provides, run as ``denoisekit run DOMAIN/NAME``.

    ``PipelineRecord.factory`` is called only when the pipeline runs, so heavy imports belong
    inside it. ``options`` declares every option with its default and meaning.
    """


@hookspec
def register_formats() -> Iterable[FormatRecord]:
    """File formats this plugin reads and writes, matched by file suffix (or by directory).

    ``read(path)`` returns a :class:`denoisekit.sample.Sample`; ``write(sample, path)`` writes it
    back in the same format. The runner writes to a temporary path and renames it.
    """


@hookspec
def register_metrics() -> Iterable[MetricRecord]:
    """Quality metrics (``fn(estimate, reference, data_range, axes) -> float``)."""


@hookspec
def register_commands() -> Iterable[CommandRecord]:
    """Extra top-level CLI commands; ``factory()`` returns a ``click.Command``."""


@hookspec
def register_datasets() -> Iterable[DatasetRecord]:
    """Datasets this plugin can build offline and open for training or evaluation.

    Each has a card in the catalogue (``denoisekit data info NAME``); ``build(root)`` makes the
    sample set under ``root`` (``denoisekit data build NAME``) and ``open(folder)`` reads it.
    """


@hookspec
def register_samplers() -> Iterable[SamplerRecord]:
    """Diffusion samplers (DDPM, DDIM, Heun, predictor-corrector, DPS, ...), built by name.

    ``factory(**params)`` returns a :class:`denoisekit.samplers.Sampler` whose ``sample`` has the one
    signature ``sample(model, schedule, x_T_or_shape, *, y, op, steps, generator, callback)``.
    """


@hookspec
def register_schedules() -> Iterable[ScheduleRecord]:
    """Noise schedules / SDEs (VP, VE, EDM, OUVE, ...): ``factory(**params)`` -> NoiseSchedule."""


@hookspec
def register_operators() -> Iterable[OperatorRecord]:
    """Forward operators ``y = A x`` with ``A``, ``A_adjoint`` (checked for adjointness by the kit)."""


@hookspec
def register_noise_models() -> Iterable[NoiseModelRecord]:
    """Noise models ``p(y | x)``: sampling, Tweedie from a score, data-fidelity gradient."""


@hookspec
def register_denoisers() -> Iterable[DenoiserRecord]:
    """Denoisers ``D(x, sigma)`` (MMSE estimates) that samplers and pipelines use as priors."""


@hookspec
def register_losses() -> Iterable[LossRecord]:
    """Self-supervised losses with one signature ``loss(model, y, *, op, noise, generator)``."""
