"""The run contract (docs/run-contract.md): read, run, write output + metrics.json + run.json +
report.png atomically, with one-line errors for bad input."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.atomic import claimed_output, writing_directory
from denoisekit.errors import InputError, PipelineFailed, UserError, reason
from denoisekit.manager import PluginHost
from denoisekit.options import read_config_file, resolve_options
from denoisekit.pipeline import RunContext
from denoisekit.pipeline_result import PipelineResult, as_result
from denoisekit.records import FormatRecord, PipelineRecord
from denoisekit.sample import Sample


@dataclass(frozen=True)
class RunResult:
    output_dir: Path
    output_file: Path
    metrics: dict[str, dict[str, float]] | None
    timings: dict[str, float]


SEED_LIMIT = 2**63  # seeds stay below it, so seed + offset fits a torch generator (< 2**64) for any slice offset


def check_seed(seed: int) -> None:
    """A UserError unless ``0 <= seed < 2**63``."""
    if not 0 <= seed < SEED_LIMIT:
        raise UserError(f"--seed {seed}: must be an integer from 0 to {SEED_LIMIT - 1}")


def check_input(path: Path) -> None:
    """An InputError if ``path`` is missing or cannot be read (before its format is chosen)."""
    if not path.exists():
        raise InputError(path, "folder not found" if not path.suffix else "file not found")
    if not os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0)):
        raise InputError(path, "permission denied: cannot read it")


def plugin_of(host: PluginHost, key: str) -> str:
    """``plugin NAME, DISTRIBUTION VERSION`` of the plugin that registered pipeline ``key``."""
    info = host.owner("register_pipelines", key)
    return f"plugin {info.name}, {info.distribution} {info.version}"


def pipeline_failed(host: PluginHost, key: str, what: str) -> PipelineFailed:
    """The error for pipeline ``key`` that ``what`` (``failed: ...``, ``returned ...``)."""
    return PipelineFailed(f"pipeline {key} ({plugin_of(host, key)}) {what}")


@contextmanager
def blamed_on(host: PluginHost, key: str, what: str = "failed") -> Iterator[None]:
    """Run a pipeline's own code (its factory and call, or its training fit): an exception other than a
    UserError becomes a :class:`PipelineFailed` naming pipeline ``key`` and its plugin (``what: reason``)."""
    try:
        yield
    except UserError:
        raise
    except Exception as e:
        raise pipeline_failed(host, key, f"{what}: {reason(e)}") from e


def find_format(host: PluginHost, record: PipelineRecord, path: Path) -> FormatRecord:
    """The pipeline's format that matches ``path`` (longest suffix first; folders by ``directory``)."""
    formats = [host.format(name) for name in record.formats]
    if path.is_dir():
        for fmt in formats:
            if fmt.directory:
                return fmt
    name = path.name.lower()
    matches = [(len(s), fmt) for fmt in formats for s in fmt.suffixes if name.endswith(s)]
    if matches:
        return max(matches, key=lambda m: m[0])[1]
    accepted = sorted({s for fmt in formats for s in fmt.suffixes} | {"<folder>" for f in formats if f.directory})
    raise InputError(path, f"unsupported format for {record.key} (accepted: {', '.join(accepted)})")


def count_nonfinite(array: np.ndarray) -> int:
    """How many NaN or Inf values ``array`` holds, counted in chunks of about 16 M values along the first
    axis, so a memory-mapped array stays mapped instead of being loaded whole beside a full-size mask."""
    if array.dtype.kind not in "fc":
        return 0
    rows = array if array.ndim else array.reshape(1)
    step = max(1, (1 << 24) // max(1, rows[:1].size))
    return sum(int(chunk.size - np.count_nonzero(np.isfinite(chunk)))
               for chunk in (rows[start:start + step] for start in range(0, len(rows), step)))


def read_checked(fmt: FormatRecord, path: Path) -> Sample:
    """Read with ``fmt`` and refuse NaN/Inf values, with the file named in the error.

    The values are checked in chunks (:func:`count_nonfinite`).
    """
    if not path.exists():
        raise InputError(path, "file not found")
    sample = fmt.read(path)
    arr = sample.array
    bad = count_nonfinite(arr)
    if bad:
        raise InputError(path, f"contains {bad} NaN or Inf value(s) out of {arr.size}")
    if arr.size == 0:
        raise InputError(path, "contains no data")
    return sample


def versions(host: PluginHost) -> dict[str, Any]:
    import torch

    dists = {p.distribution: p.version for p in host.plugins.values() if p.status == "loaded"}
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "distributions": dists}


def _compute_metrics(host: PluginHost, record: PipelineRecord, inp: Sample, out: Sample,
                     ref: Sample) -> dict[str, dict[str, float]]:
    """Each metric of the output, and of the input too when it is comparable (same shape)."""
    data_range = ref.data_range if ref.data_range is not None else inp.data_range
    pairs = [("input", inp), ("output", out)] if record.same_shape else [("output", out)]
    result: dict[str, dict[str, float]] = {key: {} for key, _ in pairs}
    for name in record.metrics:
        metric = host.metric(name)
        context = {field: getattr(ref, field) for field in metric.needs if getattr(ref, field) is not None}
        for key, sample in pairs:
            result[key][name] = float(metric.fn(sample.array, ref.array, data_range, ref.axes, **context))
    return result


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return repr(value)


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float (Python or numpy) replaced by None (JSON's null)."""
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def write_json(path: Path, data: Any) -> None:
    """``data`` as strict JSON (non-finite numbers become null, which every JSON reader accepts)."""
    path.write_text(json.dumps(_finite(data), indent=2, default=_json_default, allow_nan=False) + "\n")


def run_pipeline(
    host: PluginHost,
    pipeline: str,
    input: Path,
    output: Path,
    *,
    reference: Path | None = None,
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    device: str = "auto",
    seed: int = 0,
    overwrite: bool = False,
    show_progress: bool = True,
    extra_config: Mapping[str, Any] | None = None,
) -> RunResult:
    """Run ``pipeline`` on ``input`` and write the contract's files into ``output``.

    ``extra_config`` (used by ``denoisekit demo``) sits between the config file and ``overrides``.
    """
    from denoisekit.device import resolve_device

    started = datetime.now(timezone.utc)
    record = host.pipeline(pipeline)
    file_config = read_config_file(config_file) if config_file else {}
    merged = {**file_config, **(extra_config or {})}
    config = resolve_options(record, merged, overrides, config_path=config_file)
    if record.check is not None:
        record.check(config)  # options that do not go together fail before any input is read
    check_seed(seed)
    input = Path(input)
    reference = Path(reference) if reference is not None else None
    for path in (input, reference):
        if path is not None:
            check_input(path)
    fmt = find_format(host, record, input)
    ref_fmt = find_format(host, record, reference) if reference is not None else None
    ctx = RunContext(device=resolve_device(device), seed=seed, show_progress=show_progress, host=host)

    with claimed_output(output, overwrite, protect=(input, reference)) as output:
        with ctx.stage("read"):
            sample = read_checked(fmt, input)
            ref = None
            if reference is not None and ref_fmt is not None:  # both or neither
                ref = read_checked(ref_fmt, reference)
                if record.same_shape and ref.array.shape != sample.array.shape:
                    raise InputError(reference, f"reference shape {ref.array.shape} differs from the "
                                                f"input's {sample.array.shape}")
        with ctx.stage("run"), blamed_on(host, record.key):
            returned = record.factory()(sample, config, ctx)
        try:
            outcome = as_result(returned)
        except TypeError as e:
            raise pipeline_failed(host, record.key, str(e)) from None
        result = outcome.sample
        if record.same_shape and result.array.shape != sample.array.shape:
            raise pipeline_failed(host, record.key, f"returned {result.array.shape}, expected a Sample of shape "
                                                    f"{sample.array.shape}")
        if ref is not None and ref.array.shape != result.array.shape:
            raise InputError(reference, f"reference shape {ref.array.shape} differs from the "
                                        f"output's {result.array.shape}")
        if count_nonfinite(result.array):
            raise pipeline_failed(host, record.key, "produced NaN or Inf values")

        metrics = None
        if ref is not None:
            with ctx.stage("metrics"):
                metrics = _compute_metrics(host, record, sample, result, ref)

        marker = {"command": "run", "pipeline": record.key, "input": str(input.absolute())}
        with writing_directory(output, marker) as tmp:
            _write_results(tmp, record, fmt, ctx, sample, outcome, ref, metrics, {
                "pipeline": record.key,
                "input": str(input.absolute()),
                "reference": str(reference.absolute()) if reference else None,
                "output": input.name,
                "format": fmt.name,
                "config": config,
                "seed": seed,
                "device": str(ctx.device),
                "versions": versions(host),
            }, started)
    return RunResult(output, output / input.name, metrics, dict(ctx.timings))


def _write_results(tmp: Path, record: PipelineRecord, fmt: FormatRecord, ctx: RunContext,
                   sample: Sample, outcome: PipelineResult, ref: Sample | None,
                   metrics: dict[str, dict[str, float]] | None, run: dict[str, Any], started: datetime) -> None:
    """Write the result, its extra arrays, report.png, metrics.json and run.json (``run`` completed, with
    the result's notes) into ``tmp``."""
    from denoisekit.report import make_report

    name = run["output"]
    with ctx.stage("write"):
        fmt.write(outcome.sample, tmp / name)
        for key, extra in outcome.extras.items():
            np.save(tmp / f"{name.split('.')[0]}.{key}.npy", extra, allow_pickle=False)
    with ctx.stage("report"):
        make_report(tmp / "report.png", f"{record.key}: {name}", sample, outcome.sample, ref, metrics,
                    preview=fmt.preview)
    if metrics is not None:
        write_json(tmp / "metrics.json", {"pipeline": record.key, **metrics})
    write_json(tmp / "run.json", {
        **run,
        "seconds": {k: round(v, 4) for k, v in ctx.timings.items()},
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "notes": dict(outcome.notes),
        "command": sys.argv,
    })

