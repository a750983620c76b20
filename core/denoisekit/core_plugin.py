"""The core's own components, registered as an ordinary plugin: metrics and the ``data`` command."""

from __future__ import annotations

from typing import Any

from denoisekit import metrics
from denoisekit.hookspecs import hookimpl
from denoisekit.records import CommandRecord, MetricRecord


@hookimpl
def register_metrics() -> list[MetricRecord]:
    return [
        MetricRecord(name="psnr", summary="Peak signal-to-noise ratio in dB (data range: see docs)",
                     fn=metrics.psnr),
        MetricRecord(name="ssim", summary="Structural similarity, 2-D or 3-D Gaussian window (Wang 2004)",
                     fn=metrics.ssim),
        MetricRecord(name="nmse", summary="Normalised mean squared error ||x-ref||^2/||ref||^2",
                     fn=metrics.nmse, higher_is_better=False),
    ]


def _data_command() -> Any:
    from denoisekit.cli_data import data

    return data


@hookimpl
def register_commands() -> list[CommandRecord]:
    return [CommandRecord(name="data", summary="The dataset catalogue: list, show and build datasets",
                          factory=_data_command)]
