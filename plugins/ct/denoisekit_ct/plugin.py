"""The ct plugin, the module its entry point names: one ``@hookimpl`` function per hook, each returning the
records of the modules named after what they hold: ``domain_records`` (the domain, DICOM formats, CT metrics,
the ct-sample dataset, the projectors), ``reconstruction_records`` (ct/fbp) and ``denoising_records``
(ct/filter2noise, ct/zs-n2n, ct/noise2score).

Those modules import only ``denoisekit.api``; heavy imports happen in the records' factories.
"""

from __future__ import annotations

from denoisekit.api import (
    DatasetRecord,
    DomainRecord,
    FormatRecord,
    MetricRecord,
    OperatorRecord,
    PipelineRecord,
    hookimpl,
)
from denoisekit_ct import denoising_records, domain_records, reconstruction_records


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
def register_operators() -> list[OperatorRecord]:
    return list(domain_records.OPERATORS)


@hookimpl
def register_pipelines() -> list[PipelineRecord]:
    return [*reconstruction_records.PIPELINES, *denoising_records.PIPELINES]
