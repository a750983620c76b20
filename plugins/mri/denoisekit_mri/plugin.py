"""The mri plugin, the module its entry point names: one ``@hookimpl`` function per hook, each returning the
records of the modules named after what they hold: ``domain_records`` (the coil operator),
``learned_records`` (the learned pipelines).

Those modules import only ``denoisekit.api``; heavy imports happen in the records' factories.
"""

from __future__ import annotations

from denoisekit.api import OperatorRecord, PipelineRecord, hookimpl
from denoisekit_mri import domain_records, learned_records


@hookimpl
def register_operators() -> list[OperatorRecord]:
    return list(domain_records.OPERATORS)


@hookimpl
def register_pipelines() -> list[PipelineRecord]:
    return [*learned_records.PIPELINES]
