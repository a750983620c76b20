"""A plugin made of modules that declare their records as lists, one list per hook.

A module lists ``PIPELINES = [PipelineRecord(...), ...]`` (likewise ``DOMAINS``, ``FORMATS``,
``METRICS``, ``COMMANDS``, ``DATASETS``, ``SAMPLERS``, ``SCHEDULES``, ``OPERATORS``,
``NOISE_MODELS``, ``DENOISERS``, ``LOSSES``: the hook's name without ``register_``, upper case);
``records_plugin(module_a, module_b)`` is the plugin object that implements exactly the hooks
those lists need. A domain plugin's entry point names it (``denoisekit_ct.plugin:plugin``), so
several parts of a plugin each keep their own records module.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from typing import Any

from denoisekit.hookspecs import hookimpl
from denoisekit.records import HOOK_RECORDS


def list_name(hook: str) -> str:
    """The module attribute that holds a hook's records: ``register_noise_models`` -> ``NOISE_MODELS``."""
    return hook.removeprefix("register_").upper()


def _returning(records: list[Any], hook: str) -> Callable[[], list[Any]]:
    def implementation() -> list[Any]:
        return list(records)

    implementation.__name__ = hook
    return hookimpl(implementation)


def records_plugin(*modules: ModuleType) -> SimpleNamespace:
    """A plugin object with one hook implementation per record list found in ``modules``."""
    hooks = {}
    for hook in HOOK_RECORDS:
        attr = list_name(hook)
        if any(hasattr(m, attr) for m in modules):
            hooks[hook] = _returning([r for m in modules for r in getattr(m, attr, ())], hook)
    return SimpleNamespace(**hooks)
