"""Resolve a pipeline's options from defaults, a TOML config file and ``--set key=value`` pairs."""

from __future__ import annotations

import difflib
import math
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from denoisekit.errors import UserError
from denoisekit.records import Option, PipelineRecord

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


# option names retired before 1.0 -> the name that replaced them (docs/writing-plugins.md, "Option names"):
# optimiser steps of a fit are ``iterations``; ``steps`` stays for a diffusion sampler's reverse steps
RENAMED = {"steps": "iterations", "inner_steps": "inner_iterations"}


def suggest(name: str, valid: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest valid name, or '' when nothing is close."""
    close = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def coerce(option: Option, value: Any, where: str) -> Any:
    """Convert ``value`` (a string from --set or a TOML value) to the option's type and check it.

    Float options take finite numbers only: ``nan`` and ``inf`` (which ``float()`` and TOML accept) are refused,
    since every bound comparison is false for NaN and no option means anything by infinity.
    """
    typ = option.type
    try:
        if isinstance(value, str) and typ is not str:
            if typ is bool:
                low = value.strip().lower()
                if low not in _TRUE | _FALSE:
                    raise ValueError
                value = low in _TRUE
            else:
                value = typ(value)
        elif typ is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not typ:
            raise ValueError
    except (ValueError, OverflowError):
        raise UserError(f"{where}: option {option.name!r} expects {typ.__name__}, got {value!r}") from None
    if typ is float and not math.isfinite(value):
        raise UserError(f"{where}: option {option.name!r} must be a finite number, got {value!r}")
    if option.choices and value not in option.choices:
        raise UserError(f"{where}: option {option.name!r} must be one of {list(option.choices)}, got {value!r}")
    if option.minimum is not None and value < option.minimum:
        raise UserError(f"{where}: option {option.name!r} must be >= {option.minimum}, got {value!r}")
    if option.maximum is not None and value > option.maximum:
        raise UserError(f"{where}: option {option.name!r} must be <= {option.maximum}, got {value!r}")
    return value


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file; a ``[pipeline]``-less flat table of option values."""
    if not path.is_file():
        raise UserError(f"{path}: config file not found")
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{path}: not valid TOML ({e})") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read the config file ({e.strerror})") from None


def parse_set(pairs: Iterable[str]) -> dict[str, str]:
    """Split ``key=value`` strings from ``--set``."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set {pair!r}: expected key=value")
        out[key.strip()] = value.strip()
    return out


def resolve_options(
    record: PipelineRecord,
    config_file: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    config_path: Path | None = None,
) -> dict[str, Any]:
    """Defaults, then the config file, then ``--set`` overrides; unknown keys are rejected."""
    return resolve(record.options, record.key, config_file, overrides, config_path=config_path)


def resolve(
    options: Iterable[Option],
    owner: str,
    config_file: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    config_path: Path | None = None,
) -> dict[str, Any]:
    """:func:`resolve_options` for any list of options (``owner`` names them in errors)."""
    by_name = {o.name: o for o in options}
    resolved = {name: o.default for name, o in by_name.items()}
    layers = [(config_file or {}, str(config_path or "config")), (overrides or {}, "--set")]
    for values, where in layers:
        for key, value in values.items():
            if key not in by_name:
                if RENAMED.get(key) in by_name:
                    raise UserError(f"{where}: option {key!r} of {owner} is now called {RENAMED[key]!r}")
                hint = suggest(key, by_name) or (f"; valid options: {', '.join(by_name)}" if by_name else "")
                raise UserError(f"{where}: unknown option {key!r} for {owner}{hint}")
            resolved[key] = coerce(by_name[key], value, where)
    return resolved
