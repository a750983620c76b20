"""Option presets (one name and wording per meaning), renamed options, and a pipeline's cross-option check
run before any input is read (docs/writing-plugins.md, "Option names" and "Options that go together")."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from denoisekit.api import (
    DomainRecord,
    FormatRecord,
    Option,
    PipelineRecord,
    Sample,
    TrainingRecord,
    UserError,
    hookimpl,
    option_presets,
)
from denoisekit.errors import PluginError
from denoisekit.manager import PluginHost, PluginInfo
from denoisekit.options import parse_set, resolve_options
from denoisekit.runner import run_pipeline
from denoisekit.train_runner import train_pipeline


def test_presets_carry_one_name_and_wording_and_their_defaults_are_checked():
    assert option_presets.iterations(60).help == "optimiser steps of the fit"
    assert option_presets.iterations(60, detail="Adam").help == "optimiser steps of the fit (Adam)"
    assert option_presets.iterations(4, name="inner_iterations").name == "inner_iterations"
    assert (option_presets.batch(8, 64).minimum, option_presets.batch(8, 64).maximum) == (1, 64)
    assert option_presets.clip().default is True and option_presets.clip().help.startswith("clip the output to")
    with pytest.raises(PluginError, match="outside"):
        option_presets.iterations(0)  # below its minimum of 1
    with pytest.raises(PluginError, match="outside"):
        option_presets.patch(600)  # above its maximum of 512


def _installed() -> list[tuple[str, tuple[Option, ...]]]:
    found = []
    for record in PluginHost().pipelines():
        found.append((record.key, record.options))
        if record.training is not None:
            found.append((f"{record.key} (train)", record.training.options))
    return found


def test_steps_means_a_samplers_reverse_steps_only():
    """Optimiser steps of a fit are ``iterations`` everywhere; ``steps`` is left to diffusion samplers."""
    misnamed = [key for key, options in _installed() for o in options
                if o.name in ("steps", "inner_steps") and "sampler" not in o.help and "diffusion" not in o.help]
    assert misnamed == []
    trainings = [key for key, options in _installed() if key.endswith("(train)")]
    assert trainings and all("iterations" in {o.name for o in options}
                             for key, options in _installed() if key in trainings)


@pytest.mark.parametrize("pipeline, old, new", [
    ("image/noise2score", "steps", "iterations"),
    ("image/neighbor2neighbor", "steps", "iterations"),
    ("hsi/dds2m", "inner_steps", "inner_iterations"),
])
def test_a_renamed_option_names_its_new_name(pipeline, old, new):
    with pytest.raises(UserError) as caught:
        resolve_options(PluginHost().pipeline(pipeline), None, parse_set([f"{old}=5"]))
    assert str(caught.value) == f"--set: option {old!r} of {pipeline} is now called {new!r}"


def test_a_name_that_was_never_used_still_gets_the_closest_suggestion():
    with pytest.raises(UserError, match="did you mean 'iterations'"):
        resolve_options(PluginHost().pipeline("image/zs-n2n"), None, parse_set(["iteration=5"]))


# -- the cross-option check runs before any input is read ---------------------------------------------------

READS: list[Path] = []


def _read(path: Path) -> Sample:
    READS.append(Path(path))
    return Sample(np.load(path), "HW", "npy")


def _ordered(config) -> None:
    if config["low"] >= config["high"]:
        raise UserError(f"high ({config['high']}) must be above low ({config['low']})")


def _checked_plugin() -> ModuleType:
    plugin = ModuleType("dk_checked")
    options = (Option(name="low", default=0.0, help="low end"), Option(name="high", default=1.0, help="high end"))

    @hookimpl
    def register_domains():
        return [DomainRecord(name="checked", summary="a domain with a checked pipeline", demo_pipeline="copy",
                             build_sample=lambda directory: None)]

    @hookimpl
    def register_formats():
        return [FormatRecord(name="checked-npy", summary="npy, counting reads", suffixes=(".cnpy",), read=_read,
                             write=lambda sample, path: None, example=lambda: None)]

    @hookimpl
    def register_pipelines():
        return [PipelineRecord(
            name="copy", domain="checked", summary="returns its input", factory=lambda: lambda s, c, x: s,
            options=options, formats=("checked-npy",), metrics=(), check=_ordered,
            training=TrainingRecord(fit=lambda: None, options=options, check=_ordered))]

    for hook in (register_domains, register_formats, register_pipelines):
        setattr(plugin, hook.__name__, hook)
    return plugin


@pytest.fixture
def host() -> PluginHost:
    host = PluginHost(load_entrypoints=False)
    info = PluginInfo("checked", "dk-checked", "1.0", "loaded")
    host.plugins[info.name] = info
    host.register_plugin(_checked_plugin(), info)
    return host


def test_a_bad_combination_fails_before_the_reader_is_called(host, tmp_path):
    path = tmp_path / "x.cnpy"
    with path.open("wb") as f:
        np.save(f, np.zeros((4, 4), np.float32))
    READS.clear()
    with pytest.raises(UserError, match=r"high \(0.5\) must be above low \(2.0\)"):
        run_pipeline(host, "checked/copy", path, tmp_path / "out", overrides={"low": "2", "high": "0.5"},
                     device="cpu", show_progress=False)
    assert READS == [] and not (tmp_path / "out").exists()
    run_pipeline(host, "checked/copy", path, tmp_path / "out", device="cpu", show_progress=False)
    assert READS == [path]  # the same run with good options reads it


def test_the_check_comes_before_the_inputs_are_even_looked_for(host, tmp_path):
    with pytest.raises(UserError, match="must be above low"):
        run_pipeline(host, "checked/copy", tmp_path / "missing.cnpy", tmp_path / "out",
                     overrides={"low": "2"}, device="cpu", show_progress=False)


def test_a_training_checks_its_options_before_the_data(host, tmp_path):
    with pytest.raises(UserError, match="must be above low"):
        train_pipeline(host, "checked/copy", tmp_path / "missing", tmp_path / "out", overrides={"low": "2"},
                       device="cpu", show_progress=False)
    assert not (tmp_path / "out").exists()


def test_check_must_be_callable():
    with pytest.raises(PluginError, match="check must be callable"):
        PipelineRecord(name="p", domain="d", summary="s", factory=lambda: None, formats=("npy",), check="no")
    with pytest.raises(PluginError, match="check must be callable"):
        TrainingRecord(fit=lambda: None, check=1)


@pytest.mark.parametrize("pipeline, pairs, message", [
    ("image/noise2score", ["noise=poisson", "sigma=0.1"], "'sigma' applies to noise=gaussian only"),
    ("image/noise2score", ["delta_min=0.5"], "delta_min"),
    ("ct/noise2score", ["gain=0.1"], "'gain' applies to noise=poisson only"),
    ("ct/zs-n2n", ["window_low=100", "window_high=0"], "window_high"),
    ("ct/filter2noise", ["window_low=100", "window_high=0"], "window_high"),
    ("ct/filter2noise", ["sure_window_low=300"], "sure_window_high"),
])
def test_installed_pipelines_check_their_options_before_reading(pipeline, pairs, message, tmp_path):
    """The input does not exist: the option error comes first."""
    with pytest.raises(UserError, match=message):
        run_pipeline(PluginHost(), pipeline, tmp_path / "missing.npy", tmp_path / "out",
                     overrides=parse_set(pairs), device="cpu", show_progress=False)
