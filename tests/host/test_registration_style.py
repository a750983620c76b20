"""One registration style: ``@hookimpl`` functions named after a hook, returning lists of records.

What pluggy would skip without a word (a hook function without ``@hookimpl``, a misspelt one, a module-level
list of records in the retired style) fails the plugin with a one-line error that says what to write.
"""

from __future__ import annotations

from types import ModuleType

import pytest

from denoisekit.api import MetricRecord, hookimpl
from denoisekit.errors import PluginError
from denoisekit.manager import PluginHost, PluginInfo


def _metric(name: str) -> MetricRecord:
    return MetricRecord(name=name, summary="a test metric", fn=lambda *a: 1.0)


def _plugin(**attrs: object) -> ModuleType:
    module = ModuleType("dk_style_plugin")
    for attr, value in attrs.items():
        setattr(module, attr, value)
    return module


def _register(plugin: ModuleType, host: PluginHost | None = None) -> tuple[PluginHost, PluginInfo]:
    host = host or PluginHost(load_entrypoints=False)
    info = PluginInfo("style", "denoisekit-style", "1.0", "loaded")
    host.plugins[info.name] = info
    host.register_plugin(plugin, info)
    return host, info


def _error(plugin: ModuleType, host: PluginHost | None = None) -> str:
    with pytest.raises(PluginError) as caught:
        _register(plugin, host)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_hook_functions_marked_hookimpl_register_their_records() -> None:
    @hookimpl
    def register_metrics() -> list[MetricRecord]:
        return [_metric("style-ok")]

    host, info = _register(_plugin(register_metrics=register_metrics))
    assert info.hooks == ["register_metrics"]
    assert host.metric("style-ok").fn() == 1.0


def test_a_hook_function_without_hookimpl_fails() -> None:
    def register_metrics() -> list[MetricRecord]:
        return [_metric("style-unmarked")]

    message = _error(_plugin(register_metrics=register_metrics))
    assert message.startswith("register_metrics is not marked @hookimpl")


def test_an_unmarked_misspelt_hook_fails_with_a_suggestion() -> None:
    def register_metric() -> list[MetricRecord]:
        return [_metric("style-misspelt")]

    assert _error(_plugin(register_metric=register_metric)) == (
        "'register_metric' is not a hook (did you mean 'register_metrics'?)")


def test_a_module_level_list_of_records_fails_and_names_the_hook() -> None:
    @hookimpl
    def register_metrics() -> list[MetricRecord]:
        return [_metric("style-listed")]

    host = PluginHost(load_entrypoints=False)
    message = _error(_plugin(register_metrics=register_metrics, METRIC=[_metric("style-old")]), host)
    assert message == ("module-level list METRIC is not read: return its records from a @hookimpl function "
                       "register_metrics()")
    assert "style-listed" not in {r.name for r in host.records("register_metrics")}  # nothing of it is kept


def test_lists_of_other_values_and_single_records_are_allowed() -> None:
    @hookimpl
    def register_metrics() -> list[MetricRecord]:
        return [_metric("style-constants")]

    _register(_plugin(register_metrics=register_metrics, NAMES=("a", "b"), METRIC=_metric("style-single"),
                      EMPTY=[]))
