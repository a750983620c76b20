"""The ultrasound plugin, the module its entry point names: one ``@hookimpl`` function per hook, each returning
the records of ``domain_records`` (the domain, formats, metrics, data sets), ``pipeline_records`` (the frame
pipelines) and ``sequence_records`` (the sequence pipelines).

Those modules import only ``denoisekit.api``; heavy imports happen in the records' factories.
"""

from __future__ import annotations

from denoisekit.api import DatasetRecord, DomainRecord, FormatRecord, MetricRecord, PipelineRecord, hookimpl
from denoisekit_ultrasound import domain_records, pipeline_records, sequence_records


@hookimpl
def register_domains() -> list[DomainRecord]:
    return [domain_records.DOMAIN]


@hookimpl
def register_formats() -> list[FormatRecord]:
    return list(domain_records.FORMATS)


@hookimpl
def register_metrics() -> list[MetricRecord]:
    return list(domain_records.METRICS)


@hookimpl
def register_datasets() -> list[DatasetRecord]:
    return list(domain_records.DATASETS)


@hookimpl
def register_pipelines() -> list[PipelineRecord]:
    return [*pipeline_records.PIPELINES, *sequence_records.PIPELINES]
