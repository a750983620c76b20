"""The hsi plugin's hook implementations: each hook returns the records declared by ``io_records``
(formats, data, metrics, classical baselines) and ``diffusion_records`` (the diffusion pipelines).

Those modules import only the core and light modules; heavy imports happen in record factories.
"""

from __future__ import annotations

from typing import Any

from denoisekit.hookspecs import hookimpl
from denoisekit_hsi import diffusion_records, io_records

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
