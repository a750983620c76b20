"""records_plugin: a plugin object made from modules that list their records, one list per hook."""

from types import ModuleType

from denoisekit.manager import PluginHost, PluginInfo
from denoisekit.record_plugin import list_name, records_plugin
from denoisekit.records import MetricRecord


def _module(name: str, **lists) -> ModuleType:
    module = ModuleType(name)
    for attr, records in lists.items():
        setattr(module, attr, records)
    return module


def test_only_the_listed_hooks_are_implemented_and_lists_are_joined() -> None:
    a = _module("a", METRICS=[MetricRecord(name="m1", summary="one", fn=lambda *a: 1.0)])
    b = _module("b", METRICS=[MetricRecord(name="m2", summary="two", fn=lambda *a: 2.0)], PIPELINES=[])
    plugin = records_plugin(a, b)
    assert sorted(vars(plugin)) == ["register_metrics", "register_pipelines"]
    assert [r.name for r in plugin.register_metrics()] == ["m1", "m2"]

    host = PluginHost(load_entrypoints=False)
    info = PluginInfo("lists", "denoisekit-lists", "1.0", "loaded")
    host.plugins[info.name] = info
    host.register_plugin(plugin, info)
    assert info.hooks == ["register_metrics", "register_pipelines"]
    assert host.metric("m2").fn() == 2.0


def test_list_names() -> None:
    assert list_name("register_noise_models") == "NOISE_MODELS" and list_name("register_domains") == "DOMAINS"
