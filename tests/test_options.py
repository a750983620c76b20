"""Option resolution: defaults < config file < --set, types, bounds, suggestions."""

import json

import numpy as np
import pytest

from denoisekit.errors import PluginError, UserError
from denoisekit.manager import PluginHost
from denoisekit.options import parse_set, resolve_options
from denoisekit.records import Option, PipelineRecord
from denoisekit.runner import write_json

RECORD = PipelineRecord(
    name="p", domain="d", summary="test pipeline", factory=lambda: None, formats=("npy",),
    options=(Option(name="steps", default=10, help="steps", minimum=1),
             Option(name="rate", default=0.5, help="rate", maximum=1.0),
             Option(name="mode", default="fast", help="mode", choices=("fast", "exact")),
             Option(name="flag", default=False, help="flag")),
)


def test_defaults_then_file_then_set():
    assert resolve_options(RECORD) == {"steps": 10, "rate": 0.5, "mode": "fast", "flag": False}
    got = resolve_options(RECORD, {"steps": 3, "rate": 1}, parse_set(["steps=4", "flag=yes", "mode=exact"]))
    assert got == {"steps": 4, "rate": 1.0, "mode": "exact", "flag": True}
    assert isinstance(got["rate"], float)


@pytest.mark.parametrize("pairs, message", [
    (["step=3"], "did you mean 'steps'"),
    (["steps=0"], ">= 1"),
    (["rate=2"], "<= 1.0"),
    (["mode=slow"], "must be one of"),
    (["flag=maybe"], "expects bool"),
    (["steps=1.5"], "expects int"),
])
def test_bad_values_are_user_errors(pairs, message):
    with pytest.raises(UserError, match=message):
        resolve_options(RECORD, None, parse_set(pairs))


def test_bad_set_syntax():
    with pytest.raises(UserError, match="key=value"):
        parse_set(["steps"])


def test_toml_types_are_checked():
    with pytest.raises(UserError, match="expects int"):
        resolve_options(RECORD, {"steps": "ten"})
    with pytest.raises(UserError, match="expects int"):
        resolve_options(RECORD, {"steps": True})


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e400"])
def test_non_finite_floats_are_refused(value):
    with pytest.raises(UserError, match=r"^--set: option 'rate' must be a finite number, got (nan|inf|-inf)$"):
        resolve_options(RECORD, None, parse_set([f"rate={value}"]))


def test_non_finite_floats_from_toml_are_refused():
    with pytest.raises(UserError, match="must be a finite number, got nan"):
        resolve_options(RECORD, {"rate": float("nan")})
    with pytest.raises(UserError, match="expects float"):
        resolve_options(RECORD, {"rate": 10**400})


@pytest.mark.parametrize("fields, problem", [
    ({"default": 1.0, "minimum": float("-inf")}, "finite numbers"),
    ({"default": 1.0, "maximum": float("nan")}, "finite numbers"),
    ({"default": 1.0, "minimum": 2.0, "maximum": 1.0}, "above maximum"),
    ({"default": float("nan")}, "default must be finite"),
    ({"default": 0, "minimum": 1}, r"outside \[1, None\]"),
    ({"default": 9, "maximum": 8}, r"outside \[None, 8\]"),
    ({"default": "slow", "choices": ("fast", "exact")}, "not one of its choices"),
])
def test_declarations_are_checked(fields, problem):
    with pytest.raises(PluginError, match=problem):
        Option(name="x", help="x", **fields)


def _installed_options():
    host = PluginHost()
    for record in host.pipelines():
        yield from ((record.key, o) for o in record.options)
        if record.training is not None:
            yield from ((f"{record.key} (train)", o) for o in record.training.options)


def test_every_count_and_size_has_a_maximum():
    """An int option (steps, channels, width, batch, patch, ...) without a maximum lets ``channels=100000``
    through to an allocation of hundreds of GB; every installed pipeline bounds them all."""
    unbounded = [f"{key}: {o.name}" for key, o in _installed_options()
                 if o.type is int and not o.choices and o.maximum is None]
    assert unbounded == []


@pytest.mark.parametrize("pipeline, pair, message", [
    ("image/zs-n2n", "channels=100000", "must be <= 512"),
    ("image/zs-n2n", "lr=nan", "must be a finite number, got nan"),
    ("image/zs-n2n", "lr=inf", "must be a finite number, got inf"),
    ("ct/filter2noise", "sigma_scale=nan", "must be a finite number, got nan"),
    ("hsi/fasthyde", "threshold=nan", "must be a finite number, got nan"),
])
def test_installed_pipelines_refuse_silly_values(pipeline, pair, message):
    with pytest.raises(UserError, match=message):
        resolve_options(PluginHost().pipeline(pipeline), None, parse_set([pair]))


def test_run_json_never_holds_nan(tmp_path):
    """JSON has no NaN or Infinity: non-finite numbers (a metric of identical images, a pipeline's note) are
    written as null, so run.json and metrics.json parse with any strict JSON reader."""
    notes = {"sigma": np.float32("nan"), "k": [1.0, -np.inf]}
    write_json(tmp_path / "run.json", {"psnr": float("inf"), "notes": notes})

    def refuse(name):
        raise ValueError(f"{name} in run.json")

    assert json.loads((tmp_path / "run.json").read_text(), parse_constant=refuse) == {
        "psnr": None, "notes": {"sigma": None, "k": [1.0, None]}}
