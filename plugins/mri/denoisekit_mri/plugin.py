"""The mri plugin, the module its entry point names: one ``@hookimpl`` function per hook, each returning the
records of the modules named after what they hold: ``domain_records`` (the domain, the fastMRI and NIfTI
formats, the fastMRI metrics, the mri-sample dataset, the coil operator), ``reconstruction_records``
(mri/zero-filled, mri/sense, mri/cs-wavelet), ``learned_records`` (mri/zs-ssl, mri/noise2recon),
``cddpm_records`` (mri/cddpm-dc), ``posterior_records`` (mri/diffusion-posterior) and ``volume_records``
(mri/disgan).

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
from denoisekit_mri import (
    cddpm_records,
    domain_records,
    learned_records,
    posterior_records,
    reconstruction_records,
    volume_records,
)


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
    return [
        *reconstruction_records.PIPELINES,
        *learned_records.PIPELINES,
        *cddpm_records.PIPELINES,
        *posterior_records.PIPELINES,
        *volume_records.PIPELINES,
    ]
