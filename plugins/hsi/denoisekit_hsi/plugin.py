"""The hsi plugin's hook implementations: each hook returns the records that the modules
``io_records`` and ``diffusion_records`` declare (the formats, data, metrics and classical-baseline records (io_records) and the diffusion pipelines (diffusion_records)).

Those modules import only the core and light modules; heavy imports happen in record factories.
"""

from __future__ import annotations

from typing import Any

from denoisekit.hookspecs import hookimpl
from denoisekit_hsi import io_records, diffusion_records

_MODULES = (io_records, diffusion_records)


def _gather(attr: str) -> list[Any]:
    return [record for module in _MODULES for record in getattr(module, attr, ())]


@hookimpl
def register_domains() -> list[Any]:
    return _gather("DOMAINS")


@hookimpl
def register_formats() -> list[Any]:
    return _gather("FORMATS")


@hookimpl
def register_pipelines() -> list[Any]:
    return _gather("PIPELINES")


@hookimpl
def register_metrics() -> list[Any]:
    return _gather("METRICS")


@hookimpl
def register_datasets() -> list[Any]:
    return _gather("DATASETS")


@hookimpl
def register_operators() -> list[Any]:
    return _gather("OPERATORS")


@hookimpl
def register_noise_models() -> list[Any]:
    return _gather("NOISE_MODELS")
