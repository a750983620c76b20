"""The plugin manager: loads built-in and third-party plugins tolerantly and holds their records.

Model: conda's plugin manager. Each plugin is registered with pluggy, its hooks are called one
plugin at a time, and its records are validated and checked for conflicts before they are
accepted. A plugin that fails any step is reported (name, distribution, reason) and removed;
every other plugin keeps working.

Plugin code (import, hooks, command factories) runs with its prints sent to stderr, and
whatever it raises fails only that plugin, ``sys.exit()`` and ``KeyboardInterrupt`` included.
The one exception is a real Ctrl-C: a KeyboardInterrupt caused by a SIGINT that arrives while
plugins load stops the program as usual (see :func:`_plugin_code`).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import Distribution, EntryPoint, entry_points
from types import ModuleType
from typing import Any, TypeVar

import click
import pluggy

from denoisekit import hookspecs
from denoisekit.errors import PluginError, UserError
from denoisekit.options import suggest
from denoisekit.records import (
    HOOK_RECORDS,
    CommandRecord,
    ComponentRecord,
    DatasetRecord,
    DomainRecord,
    FormatRecord,
    MetricRecord,
    PipelineRecord,
    Record,
    kind_of,
)

GROUP = "denoisekit.plugins"
BUILTIN_DISTRIBUTION = "denoisekit"
# Built-in plugins, registered exactly as a third party's would be.
BUILTIN_PLUGINS = {"core": "denoisekit.core_plugin", "image": "denoisekit.image.plugin"}
ENV_NO_PLUGINS = "DENOISEKIT_NO_PLUGINS"
ENV_BLOCK = "DENOISEKIT_BLOCK"

R = TypeVar("R", bound=Record)


@dataclass
class PluginInfo:
    """What ``denoisekit plugins`` shows for one plugin."""

    name: str
    distribution: str
    version: str
    status: str  # "loaded", "failed" or "blocked"
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    builtin: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "hooks": self.hooks,
            "builtin": self.builtin,
        }


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def _canonical(name: str) -> str:
    """Distribution / plugin names compared as PEP 503 does: case and -_. runs do not matter."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def _describe(exc: BaseException) -> str:
    """One line: ``ValueError: message``, ``KeyboardInterrupt``, or ``called sys.exit(3)``."""
    if isinstance(exc, SystemExit):
        return f"called sys.exit({'' if exc.code is None else repr(exc.code)})"
    text = str(exc).replace("\n", " ")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _raised(exc: BaseException) -> str:
    """``raised ValueError: message``, or ``called sys.exit(3)``."""
    return _describe(exc) if isinstance(exc, SystemExit) else f"raised {_describe(exc)}"


@contextlib.contextmanager
def _plugin_code() -> Iterator[Callable[[BaseException], None]]:
    """Run a plugin's code: its prints go to stderr (stdout stays clean for ``plugins --json``).

    Yields a function that re-raises a KeyboardInterrupt that a real SIGINT caused (the user
    pressed Ctrl-C; a plugin that sends itself SIGINT counts too) and returns for anything else,
    which the plugin raised itself and which is recorded as its failure. SIGINT is watched only
    where Python's own handler (or a callable one) is installed; elsewhere a SIGINT either
    raises no KeyboardInterrupt or never reaches Python code, so every one is the plugin's.
    """
    seen: list[int] = []
    previous = signal.getsignal(signal.SIGINT)
    watch = callable(previous) and threading.current_thread() is threading.main_thread()

    def note(signum: int, frame: Any) -> None:
        seen.append(signum)
        previous(signum, frame)  # type: ignore[operator]

    def reraise_user_interrupt(exc: BaseException) -> None:
        if seen and isinstance(exc, KeyboardInterrupt):
            raise exc

    if watch:
        signal.signal(signal.SIGINT, note)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield reraise_user_interrupt
    finally:
        if watch and signal.getsignal(signal.SIGINT) is note:
            signal.signal(signal.SIGINT, previous)


def _build_command(record: CommandRecord) -> click.Command:
    """Call a command record's factory; it must return a ``click.Command``."""
    try:
        command = record.factory()
    except (Exception, SystemExit) as e:
        raise PluginError(f"command {record.name!r}: factory {_raised(e)}") from e
    if not isinstance(command, click.Command):
        raise PluginError(f"command {record.name!r}: factory returned {type(command).__name__}, "
                          "expected a click.Command")
    return command


def _is_hook_implementation(value: Any) -> bool:
    return hasattr(value, f"{hookspecs.PROJECT}_impl")


def _check_registration_style(plugin: object) -> None:
    """One registration style (docs/writing-plugins.md): ``@hookimpl`` functions named after a hook.

    A PluginError names what pluggy would skip silently: a public ``register_*`` callable without
    ``@hookimpl`` (or not named after any hook), and an upper-case list of records (the retired style
    where the host gathered ``PIPELINES = [...]`` from a module, which ignored a misspelt ``PIPELINE``).
    """
    for attr in sorted(dir(plugin)):
        value = getattr(plugin, attr, None)
        if attr.startswith("register_") and callable(value) and not _is_hook_implementation(value):
            if attr in HOOK_RECORDS:
                raise PluginError(f"{attr} is not marked @hookimpl (from denoisekit.api import hookimpl), so it "
                                  "would never be called")
            raise PluginError(f"{attr!r} is not a hook{suggest(attr, HOOK_RECORDS)}")
        if (attr.isupper() and isinstance(value, (list, tuple)) and value
                and all(isinstance(r, Record) for r in value)):
            hook = next((h for h, t in HOOK_RECORDS.items() if isinstance(value[0], t)), "register_...")
            raise PluginError(f"module-level list {attr} is not read: return its records from a @hookimpl "
                              f"function {hook}()")


class PluginHost:
    """Loads plugins and keeps their validated records, one table per hook."""

    def __init__(self, *, load_entrypoints: bool = True, block: Iterable[str] = ()):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self._records: dict[str, dict[str, Record]] = {hook: {} for hook in HOOK_RECORDS}
        self._owner: dict[tuple[str, str], str] = {}  # (hook, key) -> plugin name
        self._commands: dict[str, click.Command] = {}  # built by the factories of register_commands
        self._lost_commands: dict[str, str] = {}  # command name -> the failed plugin that registered it
        for name, module in BUILTIN_PLUGINS.items():
            self._load(name, BUILTIN_DISTRIBUTION, _dist_version(BUILTIN_DISTRIBUTION),
                       lambda module=module: importlib.import_module(module), builtin=True)
        if load_entrypoints:
            self._load_entrypoints(set(block))
        self._check_references()

    # -- loading -------------------------------------------------------------------------------

    def _load_entrypoints(self, block: set[str]) -> None:
        disabled = _env_flag(ENV_NO_PLUGINS)
        block = {_canonical(b) for b in block | set(os.environ.get(ENV_BLOCK, "").split(",")) if b.strip()}
        eps = sorted(_plugin_entrypoints(), key=lambda e: (e[1].name if e[1] else "", e[0].name))
        for ep, dist in eps:
            dist_name = dist.name if dist else "?"
            version = dist.version if dist else "?"
            if disabled or _canonical(ep.name) in block or _canonical(dist_name) in block:
                why = (f"third-party plugins disabled ({ENV_NO_PLUGINS} or --no-plugins)" if disabled
                       else f"blocked by {ENV_BLOCK}")
                self._add_info(PluginInfo(ep.name, dist_name, version, "blocked", why))
                continue
            self._load(ep.name, dist_name, version, ep.load)

    def _add_info(self, info: PluginInfo) -> None:
        if info.name in self.plugins:
            other = self.plugins[info.name]
            if info.status != "blocked":
                info.status, info.error = "failed", (
                    f"plugin name {info.name!r} is already used by distribution {other.distribution!r}")
            info.name = f"{info.name} ({info.distribution})"
        self.plugins[info.name] = info

    def _load(self, name: str, dist: str, version: str, load: Any, builtin: bool = False) -> PluginInfo:
        info = PluginInfo(name, dist, version, "loaded", builtin=builtin)
        self._add_info(info)
        if info.status == "failed":
            return info
        # a broken plugin must not take the host down, whatever it raises (see _plugin_code)
        with _plugin_code() as reraise_user_interrupt:
            try:
                plugin = load()
            except BaseException as e:
                reraise_user_interrupt(e)
                info.status, info.error = "failed", f"import failed: {_describe(e)}"
                return info
            try:
                self.register_plugin(plugin, info)
            except (PluginError, pluggy.PluginValidationError) as e:
                info.status, info.error = "failed", str(e).replace("\n", " ")
            except BaseException as e:
                reraise_user_interrupt(e)
                info.status, info.error = "failed", f"hook {_raised(e)}"
        return info

    def register_plugin(self, plugin: ModuleType | object, info: PluginInfo) -> None:
        """Register ``plugin`` with pluggy, then collect and validate its records.

        On any problem the plugin is unregistered, its records removed, and the error raised.
        """
        self.pm.register(plugin, name=info.name)
        try:
            _check_registration_style(plugin)
            self._check_hook_names(plugin, info)
            info.hooks = sorted(c.name for c in self.pm.get_hookcallers(plugin) or [])
            for hook in info.hooks:
                self._collect(hook, plugin, info)
        except BaseException:
            self._drop(info.name)
            raise

    def _check_hook_names(self, plugin: object, info: PluginInfo) -> None:
        for caller in self.pm.get_hookcallers(plugin) or []:
            if caller.spec is None:
                raise PluginError(
                    f"unknown hook {caller.name!r}{suggest(caller.name, HOOK_RECORDS)}")

    def _collect(self, hook: str, plugin: object, info: PluginInfo) -> None:
        impls = [i for i in getattr(self.pm.hook, hook).get_hookimpls() if i.plugin is plugin]
        rtype = HOOK_RECORDS[hook]
        for impl in impls:
            results = impl.function()
            if results is None:
                continue
            if isinstance(results, (str, bytes, Mapping, Record)) or not isinstance(results, Iterable):
                raise PluginError(f"{hook} must return a list of {rtype.__name__}, got {type(results).__name__}")
            for record in list(results):
                if not isinstance(record, rtype):
                    raise PluginError(f"{hook} returned {type(record).__name__}, expected {rtype.__name__}")
                table = self._records[hook]
                if record.key in table:
                    owner = self.plugins[self._owner[(hook, record.key)]]
                    raise PluginError(
                        f"{kind_of(hook)} {record.key!r} is already registered by plugin "
                        f"{owner.name!r} (distribution {owner.distribution!r}); "
                        f"conflicting distribution {info.distribution!r}")
                table[record.key] = record
                self._owner[(hook, record.key)] = info.name
                if isinstance(record, CommandRecord):
                    self._commands[record.key] = _build_command(record)

    def _drop(self, name: str) -> None:
        for (hook, key), owner in list(self._owner.items()):
            if owner == name:
                del self._records[hook][key]
                del self._owner[(hook, key)]
                if hook == "register_commands":
                    self._commands.pop(key, None)
                    self._lost_commands[key] = name
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)

    def _check_references(self) -> None:
        """Pipelines must name a registered domain and formats; domains a registered demo."""
        changed = True
        while changed:
            changed = False
            for (hook, key), owner in list(self._owner.items()):
                problem = self._dangling(hook, self._records[hook][key])
                if problem:
                    info = self.plugins[owner]
                    info.status, info.error = "failed", f"{kind_of(hook)} {key!r}: {problem}"
                    self._drop(owner)
                    changed = True
                    break

    def _dangling(self, hook: str, record: Record) -> str | None:
        if isinstance(record, PipelineRecord):
            if record.domain not in self._records["register_domains"]:
                return f"domain {record.domain!r} is not registered by any plugin"
            missing = [f for f in record.formats if f not in self._records["register_formats"]]
            if missing:
                return f"format(s) {missing} are not registered by any plugin"
            missing = [m for m in record.metrics if m not in self._records["register_metrics"]]
            if missing:
                return f"metric(s) {missing} are not registered by any plugin"
        if isinstance(record, DatasetRecord) and record.domain not in self._records["register_domains"]:
            return f"domain {record.domain!r} is not registered by any plugin"
        if isinstance(record, DomainRecord):
            key = f"{record.name}/{record.demo_pipeline}"
            if key not in self._records["register_pipelines"]:
                return f"demo pipeline {key!r} is not registered"
        return None

    # -- queries -------------------------------------------------------------------------------

    def records(self, hook: str) -> list[Record]:
        """All records of one hook, sorted by key."""
        return [self._records[hook][k] for k in sorted(self._records[hook])]

    def records_of(self, plugin: str) -> list[tuple[str, Record]]:
        """(hook, record) for every record that ``plugin`` registered, sorted."""
        return sorted(((h, self._records[h][k]) for (h, k), o in self._owner.items() if o == plugin),
                      key=lambda item: (item[0], item[1].key))

    def owner(self, hook: str, key: str) -> PluginInfo:
        return self.plugins[self._owner[(hook, key)]]

    def _get(self, hook: str, key: str, what: str) -> Any:
        table = self._records[hook]
        if key not in table:
            raise UserError(f"unknown {what} {key!r}{suggest(key, table)}")
        return table[key]

    def pipeline(self, key: str) -> PipelineRecord:
        return self._get("register_pipelines", key, "pipeline")

    def pipelines(self, domain: str | None = None) -> list[PipelineRecord]:
        found = [r for r in self.records("register_pipelines") if domain in (None, r.domain)]  # type: ignore[attr-defined]
        return found  # type: ignore[return-value]

    def domain(self, name: str) -> DomainRecord:
        return self._get("register_domains", name, "domain")

    def domains(self) -> list[DomainRecord]:
        return self.records("register_domains")  # type: ignore[return-value]

    def format(self, name: str) -> FormatRecord:
        return self._get("register_formats", name, "format")

    def metric(self, name: str) -> MetricRecord:
        return self._get("register_metrics", name, "metric")

    def commands(self) -> list[CommandRecord]:
        return self.records("register_commands")  # type: ignore[return-value]

    def command(self, name: str) -> click.Command | None:
        """The command a plugin registered as ``name`` (built when it loaded), None if none did.

        Raises UserError when the plugin that registered ``name`` failed.
        """
        if name in self._commands:
            return self._commands[name]
        if name in self._lost_commands:
            info = self.plugins[self._lost_commands[name]]
            raise UserError(f"command {name!r} is unavailable: plugin {info.name!r} "
                            f"(distribution {info.distribution!r}) failed: {info.error}")
        return None

    def component(self, hook: str, name: str) -> ComponentRecord:
        """A building block by name, e.g. ``component("register_samplers", "ddim")``."""
        return self._get(hook, name, kind_of(hook))

    def dataset(self, name: str) -> DatasetRecord:
        return self._get("register_datasets", name, "dataset")

    def datasets(self) -> list[DatasetRecord]:
        return self.records("register_datasets")  # type: ignore[return-value]


def _plugin_entrypoints() -> list[tuple[EntryPoint, Distribution | None]]:
    """(entry point, distribution) for the group, one per (distribution, name)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for ep in entry_points(group=GROUP):
        dist = ep.dist
        key = (dist.name if dist else "?", ep.name)
        if key not in seen:
            seen.add(key)
            out.append((ep, dist))
    return out


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "0.0.0"


_HOST: PluginHost | None = None


def get_host(*, load_entrypoints: bool = True, refresh: bool = False) -> PluginHost:
    """The process-wide host (built on first use)."""
    global _HOST
    if _HOST is None or refresh:
        _HOST = PluginHost(load_entrypoints=load_entrypoints)
    return _HOST
