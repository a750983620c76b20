"""Frozen records returned by the hooks in :mod:`denoisekit.hookspecs`.

Records are small and cheap to build: anything heavy (torch models, domain libraries) hides
behind a callable that the host calls only when the record is used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from denoisekit.errors import PluginError

if TYPE_CHECKING:
    from denoisekit.pipeline import Pipeline
    from denoisekit.sample import Sample

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _check_name(kind: str, name: str) -> None:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise PluginError(f"{kind} name {name!r} must be lower case letters, digits, '-', '_' or '.'")


@dataclass(frozen=True, kw_only=True)
class Record:
    """Common fields: a lower-case ``name`` and a one-line ``summary``."""

    name: str
    summary: str

    def __post_init__(self) -> None:
        _check_name(type(self).__name__, self.name)
        if not isinstance(self.summary, str) or not self.summary.strip() or "\n" in self.summary:
            raise PluginError(f"{type(self).__name__} {self.name!r} needs a one-line summary")

    @property
    def key(self) -> str:
        """The name under which the host registers this record (unique per kind)."""
        return self.name


@dataclass(frozen=True, kw_only=True)
class Option:
    """One pipeline option: ``--set name=value`` on the command line, or a key in ``--config``.

    The type is the type of ``default`` (bool, int, float or str). ``choices`` restricts the
    values; ``minimum`` / ``maximum`` bound numbers (give sizes and counts a maximum, so that a silly
    value fails when the options are resolved rather than when memory runs out). Float values must be
    finite; the default must pass the option's own checks.
    """

    name: str
    default: bool | int | float | str
    help: str
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not re.match(r"^[a-z][a-z0-9_]*$", self.name):
            raise PluginError(f"option name {self.name!r} must be a lower-case identifier")
        if not isinstance(self.default, (bool, int, float, str)):
            raise PluginError(f"option {self.name!r}: default must be bool, int, float or str")
        if not isinstance(self.help, str) or not self.help.strip():
            raise PluginError(f"option {self.name!r} needs a help text")
        self._check_bounds()

    def _check_bounds(self) -> None:
        bounds = [b for b in (self.minimum, self.maximum) if b is not None]
        if any(isinstance(b, bool) or not isinstance(b, (int, float)) or not math.isfinite(b) for b in bounds):
            raise PluginError(f"option {self.name!r}: minimum and maximum must be finite numbers")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise PluginError(f"option {self.name!r}: minimum {self.minimum} is above maximum {self.maximum}")
        value = self.default
        if self.choices and value not in self.choices:
            raise PluginError(f"option {self.name!r}: default {value!r} is not one of its choices")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        if not math.isfinite(value):
            raise PluginError(f"option {self.name!r}: default must be finite, got {value!r}")
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise PluginError(f"option {self.name!r}: default {value!r} is outside [{self.minimum}, {self.maximum}]")

    @property
    def type(self) -> type:
        return type(self.default)


@dataclass(frozen=True, kw_only=True)
class TrainingRecord:
    """How ``denoisekit train DOMAIN/NAME --data DIR --output DIR`` fits a pipeline's model.

    fit: the fit function (usually ``lazy("package.module:fit")``, imported when training runs),
        ``fit(data: TrainingData, checkpoints: Path, config: Mapping, ctx: RunContext) -> FitResult``: it
        trains on the files of ``data.folder``, read with ``data.read`` (the host's readers of every format the
        pipeline lists), resumes from ``checkpoints`` when it holds ``step-*.pt`` (and writes
        its own there), and returns a :class:`~denoisekit.fit_result.FitResult`: the weights payload (tensors
        and plain values, loadable with ``torch.load(weights_only=True)``) that the CLI writes to
        ``OUTPUT/weights.pt``, and notes for ``train.json`` (a bare weights dict: no notes); the pipeline
        then takes ``--set weights=OUTPUT/weights.pt``.
    options: the training options (``--set`` on ``denoisekit train`` accepts only these).
    test_config: option values small enough for a test run of a few steps.
    check: ``check(config)`` raises a UserError for options that do not go together; the train command calls
        it right after resolving the options, before any data is read. None: no such rule.
    """

    fit: Callable[..., Any]
    options: tuple[Option, ...] = ()
    test_config: Mapping[str, Any] = field(default_factory=dict)
    check: Callable[[Mapping[str, Any]], None] | None = None

    def __post_init__(self) -> None:
        if not callable(self.fit):
            raise PluginError("training: fit must be callable")
        if self.check is not None and not callable(self.check):
            raise PluginError("training: check must be callable")
        names = [o.name for o in self.options]
        if len(names) != len(set(names)):
            raise PluginError("training: duplicate option names")
        unknown = set(self.test_config) - set(names)
        if unknown:
            raise PluginError(f"training: test_config sets unknown options {sorted(unknown)}")

    def defaults(self) -> dict[str, Any]:
        return {o.name: o.default for o in self.options}


@dataclass(frozen=True, kw_only=True)
class PipelineRecord(Record):
    """A runnable pipeline ``DOMAIN/NAME``.

    factory: returns the :class:`denoisekit.pipeline.Pipeline` (called when the pipeline runs).
    options: every option with default and meaning; ``--set`` accepts only these.
    formats: names of the formats it reads (registered by some plugin); output uses the input's.
    metrics: names of the metrics written to ``metrics.json`` when a reference is given.
    test_config: option values small enough for the conformance kit's run on a tiny sample.
    same_shape: the output has the input's shape (a denoiser); False for a reconstruction (sinogram ->
        image, k-space -> image), whose metrics compare the output with the reference only.
    training: how ``denoisekit train`` fits the pipeline's model on a user's data; None if it has none.
    sample: ``sample(directory) -> DemoInputs``, the conformance kit's input (and reference) for a
        pipeline that does not read its domain's sample (a reconstruction reads sinograms or k-space);
        None uses the domain's ``build_sample``.
    check: ``check(config)`` raises a UserError for options that do not go together (a window whose low end
        is above its high end); the runner calls it right after resolving the options, before any input is
        read. None: no such rule.
    """

    domain: str
    factory: Callable[[], Pipeline]
    options: tuple[Option, ...] = ()
    formats: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ("psnr", "ssim", "nmse")
    test_config: Mapping[str, Any] = field(default_factory=dict)
    same_shape: bool = True
    training: TrainingRecord | None = None
    sample: Callable[[Path], DemoInputs] | None = None
    check: Callable[[Mapping[str, Any]], None] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_name("domain", self.domain)
        if self.check is not None and not callable(self.check):
            raise PluginError(f"pipeline {self.key!r}: check must be callable")
        if not callable(self.factory):
            raise PluginError(f"pipeline {self.key!r}: factory must be callable")
        names = [o.name for o in self.options]
        if len(names) != len(set(names)):
            raise PluginError(f"pipeline {self.key!r}: duplicate option names")
        if not self.formats:
            raise PluginError(f"pipeline {self.key!r}: formats must name at least one format")
        unknown = set(self.test_config) - set(names)
        if unknown:
            raise PluginError(f"pipeline {self.key!r}: test_config sets unknown options {sorted(unknown)}")
        if self.training is not None and not isinstance(self.training, TrainingRecord):
            raise PluginError(f"pipeline {self.key!r}: training must be a TrainingRecord")
        if self.sample is not None and not callable(self.sample):
            raise PluginError(f"pipeline {self.key!r}: sample must be callable")

    @property
    def key(self) -> str:
        return f"{self.domain}/{self.name}"

    def defaults(self) -> dict[str, Any]:
        return {o.name: o.default for o in self.options}


@dataclass(frozen=True, kw_only=True)
class FormatRecord(Record):
    """A file format, chosen by suffix (``.nii.gz``) or, with ``directory=True``, for a folder.

    read(path) -> Sample raises :class:`denoisekit.errors.InputError` on a bad file.
    write(sample, path) writes the sample at ``path`` (a path with one of ``suffixes``).
    example() -> Sample gives a small sample for the conformance kit's round trip.
    exact: whether write-then-read gives back the array exactly (lossless and same dtype).
    preview(sample) -> list of panels drawn in report.png for the format's samples
        (:mod:`denoisekit.previews`); None: chosen from the sample's axes.
    """

    suffixes: tuple[str, ...]
    read: Callable[[Path], Sample]
    write: Callable[[Sample, Path], None]
    example: Callable[[], Sample]
    directory: bool = False
    exact: bool = True
    preview: Callable[[Sample], Sequence[Any]] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.directory and not self.suffixes:
            raise PluginError(f"format {self.name!r} needs suffixes or directory=True")
        for s in self.suffixes:
            if not s.startswith(".") or s != s.lower():
                raise PluginError(f"format {self.name!r}: suffix {s!r} must be lower case and start with '.'")
        for attr in ("read", "write", "example"):
            if not callable(getattr(self, attr)):
                raise PluginError(f"format {self.name!r}: {attr} must be callable")
        if self.preview is not None and not callable(self.preview):
            raise PluginError(f"format {self.name!r}: preview must be callable or None")


# the reference Sample fields a metric may ask for (MetricRecord.needs)
METRIC_NEEDS = ("rate", "regions")


@dataclass(frozen=True, kw_only=True)
class MetricRecord(Record):
    """fn(estimate, reference, data_range, axes) -> float on numpy arrays of the same shape.

    ``needs``: fields of the reference :class:`~denoisekit.sample.Sample` that the run contract also passes
    as keywords when the reference has them: ``rate`` (Hz; metrics defined at a sample rate, PESQ, STOI) and
    ``regions`` (named boolean masks that came with the data; region metrics such as gCNR).
    """

    fn: Callable[..., float]
    higher_is_better: bool = True
    needs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        if not callable(self.fn):
            raise PluginError(f"metric {self.name!r}: fn must be callable")
        object.__setattr__(self, "needs", tuple(self.needs))
        unknown = sorted(set(self.needs) - set(METRIC_NEEDS))
        if unknown:
            raise PluginError(f"metric {self.name!r}: needs {unknown}; a metric may need {list(METRIC_NEEDS)}")


@dataclass(frozen=True, kw_only=True)
class DemoInputs:
    """What a domain's ``build_sample`` made: the input to denoise and, if known, its reference."""

    input: Path
    reference: Path | None = None
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class DomainRecord(Record):
    """A domain: its demo pipeline (a name within the domain) and a built-in sample builder.

    build_sample(directory) writes the sample files into ``directory`` and returns them.
    """

    demo_pipeline: str
    build_sample: Callable[[Path], DemoInputs]

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_name("pipeline", self.demo_pipeline)
        if not callable(self.build_sample):
            raise PluginError(f"domain {self.name!r}: build_sample must be callable")


@dataclass(frozen=True, kw_only=True)
class CommandRecord(Record):
    """A top-level CLI command; ``factory()`` returns a ``click.Command`` (imported lazily)."""

    factory: Callable[[], Any]

    def __post_init__(self) -> None:
        super().__post_init__()
        if not callable(self.factory):
            raise PluginError(f"command {self.name!r}: factory must be callable")


@dataclass(frozen=True, kw_only=True)
class DatasetRecord(Record):
    """A dataset of the catalogue (``datasets/NAME.toml`` is its card) that this plugin can open.

    build(root) -> Path: builds the sample set offline under ``root`` (idempotently: a second call
        does nothing that is not needed) and returns the dataset's folder; None for a dataset that
        cannot be made here (fastMRI, Mayo LDCT, ...), which the user brings in the card's layout.
    open(folder) -> Sequence[dict[str, Any]]: a map-style dataset over a built or user-supplied
        folder; each item a dict of arrays (``{"x": clean}``, ``{"x": clean, "y": noisy}``).
    card: path to the card (TOML) for a third-party plugin's dataset; None for the cards that
        ship in the catalogue folder ``datasets/``.
    """

    domain: str
    open: Callable[[Path], Any]
    build: Callable[[Path], Path] | None = None
    card: Path | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_name("domain", self.domain)
        if not callable(self.open) or (self.build is not None and not callable(self.build)):
            raise PluginError(f"dataset {self.name!r}: open and build must be callable")


@dataclass(frozen=True, kw_only=True)
class ComponentRecord(Record):
    """A building block that pipelines assemble by name (a sampler, a schedule, an operator, ...).

    factory(**params) builds one; example() builds a small instance for the conformance kit
    (default: ``factory()``). For operators, example() returns ``(operator, x_shape)``.
    """

    factory: Callable[..., Any]
    example: Callable[[], Any] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not callable(self.factory) or (self.example is not None and not callable(self.example)):
            raise PluginError(f"{type(self).__name__} {self.name!r}: factory and example must be callable")

    def build_example(self) -> Any:
        return (self.example or self.factory)()


@dataclass(frozen=True, kw_only=True)
class SamplerRecord(ComponentRecord):
    """A diffusion sampler: ``factory(**params)`` -> :class:`denoisekit.samplers.Sampler`."""


@dataclass(frozen=True, kw_only=True)
class ScheduleRecord(ComponentRecord):
    """A noise schedule / SDE: ``factory(**params)`` -> :class:`denoisekit.schedules.NoiseSchedule`."""


@dataclass(frozen=True, kw_only=True)
class OperatorRecord(ComponentRecord):
    """A forward operator: ``factory(**params)`` -> :class:`denoisekit.operators.ForwardOperator`;
    ``example()`` -> ``(operator, x_shape)`` for the adjointness check."""


@dataclass(frozen=True, kw_only=True)
class NoiseModelRecord(ComponentRecord):
    """A noise model: ``factory(**params)`` -> :class:`denoisekit.noise.NoiseModel`."""


@dataclass(frozen=True, kw_only=True)
class DenoiserRecord(ComponentRecord):
    """A denoiser ``D(x, sigma)``: ``factory(**params)`` -> :class:`denoisekit.denoisers.Denoiser`;
    ``example()`` -> ``(denoiser, x_shape)`` for the shape / dtype / scaling checks."""


@dataclass(frozen=True, kw_only=True)
class LossRecord(ComponentRecord):
    """A self-supervised loss: ``factory(**params)`` -> :class:`denoisekit.losses.SelfSupervisedLoss`."""


# hook name -> the record type its results must have
HOOK_RECORDS: dict[str, type[Record]] = {
    "register_domains": DomainRecord,
    "register_pipelines": PipelineRecord,
    "register_formats": FormatRecord,
    "register_metrics": MetricRecord,
    "register_commands": CommandRecord,
    "register_datasets": DatasetRecord,
    "register_samplers": SamplerRecord,
    "register_schedules": ScheduleRecord,
    "register_operators": OperatorRecord,
    "register_noise_models": NoiseModelRecord,
    "register_denoisers": DenoiserRecord,
    "register_losses": LossRecord,
}


def kind_of(hook: str) -> str:
    """The singular noun for a hook's records: ``register_losses`` -> ``loss``."""
    plural = hook.removeprefix("register_").replace("_", " ")
    return plural[:-2] if plural.endswith("sses") else plural[:-1]
