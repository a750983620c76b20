"""The hsi plugin, the module its entry point names: one ``@hookimpl`` function per hook, each returning the
records of the modules named after what they hold: ``domain_records`` (the domain, formats, metrics, dataset,
noise model), ``classical_records`` (fasthyde, fasthyde-mixed, hyres, hyminor) and ``diffusion_records``
(dds2m, diffusion3d).

Those modules import only ``denoisekit.api``; heavy imports happen in the records' factories.
"""

from __future__ import annotations

from denoisekit.api import (
    DatasetRecord,
    DomainRecord,
    FormatRecord,
    MetricRecord,
    NoiseModelRecord,
    PipelineRecord,
    hookimpl,
)
from denoisekit_hsi import classical_records, diffusion_records, domain_records


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
def register_noise_models() -> list[NoiseModelRecord]:
    return list(domain_records.NOISE_MODELS)


@hookimpl
def register_pipelines() -> list[PipelineRecord]:
    return [*classical_records.PIPELINES, *diffusion_records.PIPELINES]
