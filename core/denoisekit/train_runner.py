"""``denoisekit train``: fit a pipeline's model on a user's data, resumably (docs/training.md).

The output directory holds ``checkpoints/`` (the fit's ``step-*.pt``, written atomically by the
:class:`~denoisekit.training.Trainer`), ``train.json`` (options, versions, seconds, the fit's notes) and, once the fit
ends, ``weights.pt`` (written atomically) for ``denoisekit run DOMAIN/NAME --set weights=...``.
A run that is killed keeps its checkpoints; ``--resume`` continues it with the same options.
The output is locked while a training writes it, and ``--overwrite`` deletes only an earlier
denoisekit output (see :mod:`denoisekit.atomic`).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from denoisekit.atomic import check_output_dir, make_parents, output_lock, write_marker
from denoisekit.errors import InputError, UserError
from denoisekit.fit_result import as_fit_result
from denoisekit.manager import PluginHost
from denoisekit.options import read_config_file, resolve
from denoisekit.pipeline import RunContext
from denoisekit.records import TrainingRecord
from denoisekit.training_data import TrainingData

OPTIONS_FILE = "train-options.json"


@dataclass(frozen=True)
class TrainResult:
    output_dir: Path
    weights: Path
    seconds: dict[str, float]


def training_of(host: PluginHost, key: str) -> TrainingRecord:
    """The pipeline's training record, or a UserError naming the pipelines that can train."""
    record = host.pipeline(key)
    if record.training is None:
        trainable = sorted(p.key for p in host.pipelines() if p.training is not None)
        listed = ", ".join(trainable) if trainable else "none installed"
        raise UserError(f"train: {record.key} has nothing to train (pipelines that train: {listed})")
    return record.training


def _prepare_output(output: Path, options: Mapping[str, Any], resume: bool, overwrite: bool,
                    record: Mapping[str, Any]) -> None:
    saved = output / OPTIONS_FILE
    if output.exists() and not output.is_dir():
        raise UserError(f"{output}: exists and is not a directory")
    busy = output.is_dir() and any(output.iterdir())
    if resume:
        if not saved.is_file():
            raise UserError(f"{output}: nothing to resume (no {OPTIONS_FILE} from an earlier train run)")
        before = json.loads(saved.read_text())
        if before != json.loads(json.dumps(options)):
            changed = sorted(k for k in set(before) | set(options) if before.get(k) != options.get(k))
            raise UserError(f"{output}: --resume with different options ({', '.join(changed)}) than the "
                            f"first run; use the same options, or --overwrite to start again")
    elif busy and not overwrite:
        raise UserError(f"{output}: output directory exists and is not empty "
                        f"(--resume to continue the training, --overwrite to start again)")
    elif busy:
        check_output_dir(output, overwrite, protect=(record["data"],))
        shutil.rmtree(output)
    output.mkdir(parents=True, exist_ok=True)
    write_marker(output, record)
    if not resume:
        saved.write_text(json.dumps(options, indent=2) + "\n")


def train_pipeline(
    host: PluginHost,
    pipeline: str,
    data: Path,
    output: Path,
    *,
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    device: str = "auto",
    seed: int = 0,
    resume: bool = False,
    overwrite: bool = False,
    show_progress: bool = True,
) -> TrainResult:
    """Train ``pipeline``'s model on ``data`` into ``output`` (see the module docstring)."""
    import torch

    from denoisekit.device import resolve_device
    from denoisekit.runner import blamed_on, check_seed, pipeline_failed, versions, write_json
    from denoisekit.training.checkpoints import save_atomic

    started = datetime.now(timezone.utc)
    training = training_of(host, pipeline)
    key = host.pipeline(pipeline).key
    options = resolve(training.options, f"train {key}", read_config_file(config_file) if config_file else {},
                      overrides, config_path=config_file)
    if training.check is not None:
        training.check(options)  # options that do not go together fail before any data is read
    check_seed(seed)
    data, output = Path(data), Path(os.path.abspath(output))
    if not data.exists():
        raise InputError(data, "training data not found")
    options_and_seed = {**options, "seed": seed}
    make_parents(output)
    with output_lock(output):
        _prepare_output(output, options_and_seed, resume, overwrite,
                        {"command": "train", "pipeline": key, "data": str(data.absolute())})
        ctx = RunContext(device=resolve_device(device), seed=seed, show_progress=show_progress, host=host)
        with ctx.stage("train"), blamed_on(host, key, "training failed"):
            returned = training.fit(TrainingData.for_pipeline(host, key, data), output / "checkpoints", options, ctx)
        try:
            fitted = as_fit_result(returned)
        except TypeError as e:
            raise pipeline_failed(host, key, str(e)) from None
        weights = output / "weights.pt"
        save_atomic({**fitted.weights, "pipeline": key, "train_options": options}, weights)
        torch.load(weights, map_location="cpu", weights_only=True)  # the pipeline will load it this way
        write_json(output / "train.json", {
            "pipeline": key, "data": str(data.absolute()), "options": options, "seed": seed,
            "device": str(ctx.device), "versions": versions(host), "resumed": resume,
            "seconds": {k: round(v, 3) for k, v in ctx.timings.items()}, "notes": dict(fitted.notes),
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        })
    return TrainResult(output, weights, dict(ctx.timings))
