"""Tolerant plugin loading, with real distributions from ``tests/fixtures/site`` (no mocks).

Every broken fixture plugin must end up "failed" with a readable reason and leave nothing behind,
while the built-in plugins and the good fixture keep working.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from denoisekit.errors import PluginError, UserError
from denoisekit.manager import BUILTIN_DISTRIBUTION, BUILTIN_PLUGINS, PluginHost
from denoisekit.options import resolve_options
from denoisekit.records import (
    HOOK_RECORDS,
    CommandRecord,
    DemoInputs,
    DomainRecord,
    FormatRecord,
    MetricRecord,
    Option,
    PipelineRecord,
)
from denoisekit.sample import Sample

from .conftest import BROKEN_PLUGINS, FIXTURE_PLUGINS

GOOD_HOOKS = [
    "register_commands", "register_domains", "register_formats", "register_metrics", "register_pipelines",
]


@pytest.fixture
def host(fixture_site: Path) -> PluginHost:
    return PluginHost()


def _status(host: PluginHost) -> dict[str, str]:
    return {name: info.status for name, info in host.plugins.items()}


# -- the good plugin -----------------------------------------------------------------------------


def test_fixture_distributions_are_visible(fixture_site: Path) -> None:
    from importlib.metadata import entry_points

    found = {(ep.dist.name, ep.name) for ep in entry_points(group="denoisekit.plugins") if ep.dist}
    assert ("dk-fixture-good", "dk_fixture_good") in found
    assert ("dk-fixture-dupname", "core") in found


def test_good_plugin_is_loaded(host: PluginHost) -> None:
    info = host.plugins["dk_fixture_good"]
    assert info.status == "loaded", info.error
    assert info.error is None
    assert info.distribution == "dk-fixture-good"
    assert info.version == "1.0"
    assert info.hooks == GOOD_HOOKS
    assert info.builtin is False
    assert info.to_json() == {
        "name": "dk_fixture_good", "distribution": "dk-fixture-good", "version": "1.0",
        "status": "loaded", "error": None, "hooks": GOOD_HOOKS, "builtin": False,
    }


def test_good_plugin_records_are_queryable(host: PluginHost) -> None:
    pipeline = host.pipeline("fixture/scale")
    assert isinstance(pipeline, PipelineRecord)
    assert pipeline.defaults() == {"factor": 1.0}
    assert pipeline in host.pipelines("fixture")
    assert host.format("fixture-npy").suffixes == (".fxnpy",)
    assert host.metric("fixture-mae").higher_is_better is False
    domain = host.domain("fixture")
    assert domain.demo_pipeline == "scale" and domain in host.domains()
    for hook, key in [("register_pipelines", "fixture/scale"), ("register_formats", "fixture-npy"),
                      ("register_metrics", "fixture-mae"), ("register_domains", "fixture")]:
        owner = host.owner(hook, key)
        assert (owner.name, owner.distribution) == ("dk_fixture_good", "dk-fixture-good")
    commands = {c.name: c for c in host.commands()}
    assert commands["fixture-hello"].factory().name == "fixture-hello"


def test_good_plugin_runs_end_to_end(host: PluginHost, tmp_path: Path) -> None:
    inputs = host.domain("fixture").build_sample(tmp_path)
    assert isinstance(inputs, DemoInputs)
    fmt = host.format("fixture-npy")
    sample = fmt.read(inputs.input)
    record = host.pipeline("fixture/scale")
    config = resolve_options(record, overrides={"factor": "2"})
    out = record.factory()(sample, config, None)
    assert out.array.shape == sample.array.shape
    np.testing.assert_allclose(out.array, sample.array * 2)
    fmt.write(out, tmp_path / "out.fxnpy")
    assert (tmp_path / "out.fxnpy").is_file()  # not "out.fxnpy.npy"
    np.testing.assert_array_equal(fmt.read(tmp_path / "out.fxnpy").array, out.array)
    reference = fmt.read(inputs.reference)
    assert host.metric("fixture-mae").fn(sample.array, reference.array) == pytest.approx(0.5)
    assert host.metric("psnr").fn(reference.array, reference.array + 1.0) > 0


# -- broken plugins ------------------------------------------------------------------------------


def test_importerror_plugin_fails(host: PluginHost) -> None:
    info = host.plugins["dk_fixture_importerror"]
    assert info.status == "failed"
    assert info.distribution == "dk-fixture-importerror" and info.version == "1.0"
    assert "a_module_that_does_not_exist_xyz" in info.error
    assert "ModuleNotFoundError" in info.error


def test_bad_signature_plugin_fails(host: PluginHost) -> None:
    info = host.plugins["dk_fixture_badsig"]
    assert info.status == "failed"
    assert "self_config" in info.error
    assert "register_pipelines" in info.error
    assert "\n" not in info.error


def test_misspelt_hook_fails_with_suggestion(host: PluginHost) -> None:
    info = host.plugins["dk_fixture_misspelt"]
    assert info.status == "failed"
    assert "unknown hook 'register_pipeline'" in info.error
    assert "'register_pipelines'" in info.error  # did you mean


def test_bad_record_plugin_fails(host: PluginHost) -> None:
    info = host.plugins["dk_fixture_badrecord"]
    assert info.status == "failed"
    assert "register_metrics" in info.error and "MetricRecord" in info.error
    with pytest.raises(UserError):
        host.metric("dk-badrecord")


def test_conflicting_plugin_fails_and_builtin_wins(host: PluginHost) -> None:
    info = host.plugins["dk_fixture_conflict"]
    assert info.status == "failed"
    assert "'psnr'" in info.error
    assert "'denoisekit'" in info.error and "'dk-fixture-conflict'" in info.error
    psnr = host.metric("psnr")
    owner = host.owner("register_metrics", "psnr")
    assert (owner.name, owner.distribution, owner.builtin) == ("core", BUILTIN_DISTRIBUTION, True)
    assert psnr.fn(np.zeros(4), np.ones(4), data_range=1.0) != -1.0  # not the fixture's fake
    # the records it registered before the conflicting one are withdrawn too
    with pytest.raises(UserError):
        host.metric("dk-conflict-extra")


def test_orphan_pipeline_fails_reference_check(host: PluginHost) -> None:
    info = host.plugins["dk_fixture_orphan"]
    assert info.status == "failed"
    assert "'nowhere/thing'" in info.error and "domain 'nowhere'" in info.error
    with pytest.raises(UserError):
        host.pipeline("nowhere/thing")
    with pytest.raises(UserError):  # its other records go with it
        host.format("orphan-raw")


def test_duplicate_plugin_name_fails(host: PluginHost) -> None:
    assert host.plugins["core"].distribution == BUILTIN_DISTRIBUTION
    assert host.plugins["core"].status == "loaded"
    info = host.plugins["core (dk-fixture-dupname)"]
    assert info.status == "failed" and info.distribution == "dk-fixture-dupname"
    assert "'core'" in info.error and "'denoisekit'" in info.error
    with pytest.raises(UserError):
        host.metric("dk-dupname")


def test_everything_else_keeps_working(host: PluginHost) -> None:
    status = _status(host)
    assert status["core"] == "loaded"
    assert host.plugins["core"].builtin and host.plugins["core"].distribution == BUILTIN_DISTRIBUTION
    assert "image" in status  # built in; may be "failed" while it is being written
    assert status["dk_fixture_good"] == "loaded"
    for name in BROKEN_PLUGINS:
        assert status[name] == "failed", name
        assert host.plugins[name].error, name
        assert host.plugins[name].builtin is False
    for name in ("psnr", "ssim", "nmse"):
        assert host.owner("register_metrics", name).name == "core"
    # nothing of a failed plugin stays registered, with pluggy or in the tables
    failed = {n for n, info in host.plugins.items() if info.status != "loaded"}
    for name in failed:
        assert host.pm.get_plugin(name) is None, name
    for hook in HOOK_RECORDS:
        for record in host.records(hook):
            assert host.owner(hook, record.key).name not in failed
    # every loaded plugin's pipelines reference registered things
    for record in host.pipelines():
        host.domain(record.domain)
        for fmt in record.formats:
            host.format(fmt)
        for metric in record.metrics:
            host.metric(metric)


def test_every_fixture_plugin_is_reported(host: PluginHost) -> None:
    for name, dist in FIXTURE_PLUGINS.items():
        assert host.plugins[name].distribution == dist
        assert host.plugins[name].version == "1.0"
    assert set(BUILTIN_PLUGINS) <= set(host.plugins)
    # (other third-party plugins may be installed in the environment; only ours are checked)
    ours = {name for name, info in host.plugins.items() if info.distribution.startswith("dk-fixture-")}
    assert ours == set(FIXTURE_PLUGINS)


# -- blocking ------------------------------------------------------------------------------------


def test_no_plugins_env_blocks_every_fixture(fixture_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DENOISEKIT_NO_PLUGINS", "1")
    host = PluginHost()
    for name in FIXTURE_PLUGINS:
        if name.startswith("core ("):
            # see test_blocked_plugin_with_taken_name_stays_blocked
            assert host.plugins[name].status != "loaded"
            continue
        assert host.plugins[name].status == "blocked", name
        assert "DENOISEKIT_NO_PLUGINS" in host.plugins[name].error
    assert host.plugins["core"].status == "loaded"
    assert host.plugins["core"].builtin
    with pytest.raises(UserError):
        host.pipeline("fixture/scale")
    assert host.metric("psnr")


def test_blocked_plugin_with_taken_name_stays_blocked(
    fixture_site: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DENOISEKIT_NO_PLUGINS", "1")
    host = PluginHost()
    blocked = {i.distribution for i in host.plugins.values() if i.status == "blocked"}
    assert set(FIXTURE_PLUGINS.values()) <= blocked  # and the installed domain plugins (denoisekit-ct, ...)
    assert not [i for i in host.plugins.values() if i.builtin and i.status != "loaded"]


@pytest.mark.parametrize("value", ["0", "", "false", "no"])
def test_no_plugins_env_false_values(fixture_site: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("DENOISEKIT_NO_PLUGINS", value)
    assert PluginHost().plugins["dk_fixture_good"].status == "loaded"


def test_block_env_by_distribution_and_entry_point(
    fixture_site: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "dk-fixture-good" is a distribution name, "dk_fixture_importerror" an entry point name
    monkeypatch.setenv("DENOISEKIT_BLOCK", " dk-fixture-good , dk_fixture_importerror,")
    host = PluginHost()
    status = _status(host)
    for name in ("dk_fixture_good", "dk_fixture_importerror"):
        assert status[name] == "blocked", name
        assert "DENOISEKIT_BLOCK" in host.plugins[name].error
    for name in set(BROKEN_PLUGINS) - {"dk_fixture_importerror"}:
        assert status[name] == "failed", name
    assert status["core"] == "loaded"
    with pytest.raises(UserError):
        host.pipeline("fixture/scale")


def test_block_argument(fixture_site: Path) -> None:
    host = PluginHost(block=["dk-fixture-conflict", "dk_fixture_misspelt"])
    status = _status(host)
    assert status["dk_fixture_conflict"] == "blocked"
    assert status["dk_fixture_misspelt"] == "blocked"
    assert status["dk_fixture_good"] == "loaded"
    assert status["dk_fixture_badsig"] == "failed"


def test_builtins_cannot_be_blocked(fixture_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DENOISEKIT_BLOCK", "core,denoisekit")
    host = PluginHost()
    assert host.plugins["core"].status == "loaded"
    assert host.plugins["dk_fixture_good"].status == "loaded"


def test_without_entrypoints_only_builtins(fixture_site: Path) -> None:
    host = PluginHost(load_entrypoints=False)
    assert set(host.plugins) == set(BUILTIN_PLUGINS)
    assert all(info.builtin and info.distribution == BUILTIN_DISTRIBUTION for info in host.plugins.values())
    assert host.plugins["core"].status == "loaded"
    assert host.metric("psnr")
    with pytest.raises(UserError):
        host.metric("fixture-mae")


# -- lookups -------------------------------------------------------------------------------------


def test_unknown_pipeline_suggests(host: PluginHost) -> None:
    with pytest.raises(UserError, match=r"unknown pipeline 'fixture/scal'.*did you mean 'fixture/scale'"):
        host.pipeline("fixture/scal")


def test_unknown_metric_and_format_suggest(host: PluginHost) -> None:
    with pytest.raises(UserError, match=r"did you mean 'psnr'"):
        host.metric("psnrr")
    with pytest.raises(UserError, match=r"did you mean 'fixture-npy'"):
        host.format("fixture-np")
    with pytest.raises(UserError, match=r"unknown domain 'zzzzzz'$"):
        host.domain("zzzzzz")


# -- records validation --------------------------------------------------------------------------


def _noop(*args: object) -> None:
    return None


def _pipeline(**kw: object) -> PipelineRecord:
    args: dict[str, object] = dict(name="p", domain="d", summary="A pipeline", factory=_noop, formats=("f",))
    args.update(kw)
    return PipelineRecord(**args)  # type: ignore[arg-type]


def _format(**kw: object) -> FormatRecord:
    args: dict[str, object] = dict(name="f", summary="A format", suffixes=(".f",), read=_noop, write=_noop,
                                   example=_noop)
    args.update(kw)
    return FormatRecord(**args)  # type: ignore[arg-type]


def test_valid_records_build() -> None:
    p = _pipeline(options=(Option(name="n_iter", default=3, help="iterations"),), test_config={"n_iter": 1})
    assert p.key == "d/p" and p.defaults() == {"n_iter": 3}
    assert _format(suffixes=(".nii.gz", ".nii")).key == "f"
    assert _format(suffixes=(), directory=True).directory
    assert MetricRecord(name="m-1.x_y", summary="m", fn=_noop).key == "m-1.x_y"
    assert DomainRecord(name="d", summary="d", demo_pipeline="p", build_sample=_noop).key == "d"
    assert CommandRecord(name="c", summary="c", factory=_noop).key == "c"
    assert Option(name="flag", default=True, help="h").type is bool


@pytest.mark.parametrize("name", ["Psnr", "PSNR", "", "-lead", "a b", "a/b", "é", 3])
def test_record_rejects_bad_names(name: object) -> None:
    with pytest.raises(PluginError, match="lower case"):
        MetricRecord(name=name, summary="s", fn=_noop)  # type: ignore[arg-type]


@pytest.mark.parametrize("summary", ["", "   ", "two\nlines", None])
def test_record_rejects_bad_summary(summary: object) -> None:
    with pytest.raises(PluginError, match="one-line summary"):
        MetricRecord(name="m", summary=summary, fn=_noop)  # type: ignore[arg-type]


def test_pipeline_rejects_bad_domain_and_factory() -> None:
    with pytest.raises(PluginError, match="domain name 'Image'"):
        _pipeline(domain="Image")
    with pytest.raises(PluginError, match="factory must be callable"):
        _pipeline(factory="not callable")
    with pytest.raises(PluginError, match="at least one format"):
        _pipeline(formats=())


@pytest.mark.parametrize("default", [None, [1], (1,), {"a": 1}, 1j, b"x"])
def test_option_rejects_unsupported_default(default: object) -> None:
    with pytest.raises(PluginError, match="default must be bool, int, float or str"):
        Option(name="x", default=default, help="h")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["Upper", "1st", "with-dash", "", "_x"])
def test_option_rejects_bad_names(name: str) -> None:
    with pytest.raises(PluginError, match="lower-case identifier"):
        Option(name=name, default=1, help="h")


def test_option_rejects_empty_help() -> None:
    with pytest.raises(PluginError, match="help text"):
        Option(name="x", default=1, help="  ")


def test_pipeline_rejects_duplicate_options() -> None:
    opts = (Option(name="x", default=1, help="h"), Option(name="x", default=2.0, help="h2"))
    with pytest.raises(PluginError, match="duplicate option names"):
        _pipeline(options=opts)


def test_pipeline_rejects_unknown_test_config() -> None:
    with pytest.raises(PluginError, match=r"test_config sets unknown options \['sigma'\]"):
        _pipeline(options=(Option(name="x", default=1, help="h"),), test_config={"x": 2, "sigma": 0.1})


@pytest.mark.parametrize("suffix", ["npy", "NPY", ".NPY", ""])
def test_format_rejects_bad_suffix(suffix: str) -> None:
    with pytest.raises(PluginError, match="must be lower case and start with '.'"):
        _format(suffixes=(suffix,))


def test_format_needs_suffixes_or_directory_and_callables() -> None:
    with pytest.raises(PluginError, match="needs suffixes or directory=True"):
        _format(suffixes=())
    for attr in ("read", "write", "example"):
        with pytest.raises(PluginError, match=f"{attr} must be callable"):
            _format(**{attr: None})


def test_domain_and_command_and_metric_reject_non_callables() -> None:
    with pytest.raises(PluginError, match="build_sample must be callable"):
        DomainRecord(name="d", summary="s", demo_pipeline="p", build_sample=None)  # type: ignore[arg-type]
    with pytest.raises(PluginError, match="pipeline name 'P'"):
        DomainRecord(name="d", summary="s", demo_pipeline="P", build_sample=_noop)
    with pytest.raises(PluginError, match="factory must be callable"):
        CommandRecord(name="c", summary="s", factory=1)  # type: ignore[arg-type]
    with pytest.raises(PluginError, match="fn must be callable"):
        MetricRecord(name="m", summary="s", fn="psnr")  # type: ignore[arg-type]


def test_records_are_frozen() -> None:
    record = MetricRecord(name="m", summary="s", fn=_noop)
    with pytest.raises(AttributeError):
        record.name = "other"  # type: ignore[misc]


def test_sample_used_by_fixture_format_is_consistent() -> None:
    # guard for the fixture itself: Sample rejects axes that do not match the array
    with pytest.raises(ValueError):
        Sample(array=np.zeros((2, 2)), axes="H", format="fixture-npy")


def test_fixture_site_is_gone_without_the_fixture() -> None:
    # no fixture_site here: nothing of tests/fixtures/site may leak from other tests
    assert not any(m.startswith("dk_fixture_") for m in sys.modules)
    host = PluginHost()
    assert not any(info.distribution.startswith("dk-fixture-") for info in host.plugins.values())
