"""The dataset catalogue: one TOML card per dataset (docs/datasets.md).

A card says what a dataset is, where it comes from, its licence and citation, its format and
size, which plugin reads it, and how to build it: ``availability = "built"`` when a plugin's
builder makes it offline (``denoisekit data build NAME``), ``"external"`` when the user must
obtain it, in which case its ``[layout]`` table gives the directory layout the plugin expects.

Cards are found in, in this order:

1. the catalogue folder ``datasets/`` of the source tree (editable install), or the copy packaged
   as ``denoisekit/catalogue_cards`` in a wheel;
2. the ``card`` path of every :class:`denoisekit.records.DatasetRecord` a plugin registers (third
   parties ship their own cards);
3. every folder in ``$DENOISEKIT_CATALOGUE`` (separated like ``PATH``).

The builders themselves live in the plugins; :func:`progress` gives them a progress bar that the
command line can silence, and :func:`write_manifest` the completion marker ``data list`` looks for.
"""

from __future__ import annotations

import contextvars
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from denoisekit.errors import UserError
from denoisekit.options import suggest
from denoisekit.records import NAME_RE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:
    from denoisekit.manager import PluginHost

T = TypeVar("T")

ENV_CATALOGUE = "DENOISEKIT_CATALOGUE"
AVAILABILITY = ("built", "external")
MANIFEST = "manifest.json"

# key -> meaning; every one is a non-empty string
REQUIRED = {
    "name": "the dataset's name (lower case; the file is NAME.toml)",
    "domain": "the domain whose plugin reads it (image, ct, mri, hsi, speech, ultrasound, ...)",
    "summary": "one line",
    "description": "what it is: content, modality, sizes, how it is used here",
    "provenance": "who made it, where and how",
    "licence": "the licence or terms of use ('see the provider's terms' when not certain)",
    "citation": "what to cite",
    "format": "file format(s) and keys",
    "size": "how much data (files, subjects, bytes)",
    "plugin": "the distribution that reads it ('denoisekit-mri (planned)' when not written yet)",
    "availability": "'built' (a builder makes it offline) or 'external' (the user obtains it)",
    "build": "how to build it (the command), or for external data where to get it and the steps",
}
OPTIONAL = {
    "url": "the provider's page",
    "layout": "table: relative path pattern -> what it holds (required for external datasets)",
}


class CardError(UserError):
    """A card that cannot be read or does not follow the card format; names the file."""

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass(frozen=True)
class Card:
    """One dataset card, validated. ``layout`` maps a relative path pattern to what it holds."""

    name: str
    domain: str
    summary: str
    description: str
    provenance: str
    licence: str
    citation: str
    format: str
    size: str
    plugin: str
    availability: str
    build: str
    url: str = ""
    layout: Mapping[str, str] = field(default_factory=dict)
    path: Path | None = None

    @property
    def external(self) -> bool:
        return self.availability == "external"

    def to_json(self) -> dict[str, Any]:
        data = {key: getattr(self, key) for key in (*REQUIRED, "url")}
        data["layout"] = dict(self.layout)
        data["card"] = str(self.path) if self.path else None
        return data

    def placement(self, root: str = "DIR") -> str:
        """The layout as one line: ``DIR/a/*.h5, DIR/b/*.h5``."""
        return ", ".join(f"{root}/{pattern}" for pattern in self.layout) or f"{root}/"


def read_card(path: Path) -> Card:
    """Read and validate one card; any problem raises :class:`CardError` naming the file."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise CardError(path, f"cannot read the card ({e.strerror or type(e).__name__})") from None
    except tomllib.TOMLDecodeError as e:
        raise CardError(path, f"not valid TOML ({e})") from None
    return validate_card(data, path)


def validate_card(data: Mapping[str, Any], path: Path) -> Card:
    """Check a parsed card against the card format (docs/datasets.md)."""
    unknown = [k for k in data if k not in REQUIRED and k not in OPTIONAL]
    if unknown:
        key = unknown[0]
        raise CardError(path, f"unknown key {key!r}{suggest(key, [*REQUIRED, *OPTIONAL])}")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise CardError(path, f"missing required key(s) {', '.join(repr(k) for k in missing)}")
    for key in (*REQUIRED, "url"):
        if key in data and not isinstance(data[key], str):
            raise CardError(path, f"key {key!r} must be a string, got {type(data[key]).__name__}")
        if key in REQUIRED and not data[key].strip():
            raise CardError(path, f"key {key!r} is empty")
    for key in ("name", "domain"):
        if not NAME_RE.match(data[key]):
            raise CardError(path, f"{key} {data[key]!r} must be lower case letters, digits, '-', '_' or '.'")
    if path.suffix == ".toml" and path.stem != data["name"]:
        raise CardError(path, f"name {data['name']!r} differs from the file name (expected {data['name']}.toml)")
    if "\n" in data["summary"].strip():
        raise CardError(path, "summary must be one line")
    if data["availability"] not in AVAILABILITY:
        raise CardError(path, f"availability must be 'built' or 'external', got {data['availability']!r}")
    layout = data.get("layout", {})
    if not isinstance(layout, Mapping):
        raise CardError(path, f"layout must be a table, got {type(layout).__name__}")
    for pattern, meaning in layout.items():
        if not isinstance(meaning, str) or not meaning.strip():
            raise CardError(path, f"layout entry {pattern!r} must be a non-empty string")
        if pattern.startswith("/") or ".." in Path(pattern).parts:
            raise CardError(path, f"layout entry {pattern!r} must be a path relative to the dataset folder")
    if data["availability"] == "external" and not layout:
        raise CardError(path, "an external dataset needs a [layout] table (the directory layout the plugin expects)")
    values = {k: data[k].strip() for k in REQUIRED}
    return Card(**values, url=data.get("url", "").strip(), layout=dict(layout), path=path)


# -- finding cards -------------------------------------------------------------------------------


def catalogue_dir() -> Path | None:
    """The catalogue folder: ``datasets/`` of the source tree, else the packaged copy, else None."""
    import denoisekit

    package = Path(denoisekit.__file__).resolve().parent
    for candidate in (package.parents[1] / "datasets", package / "catalogue_cards"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    return None


def card_paths(host: PluginHost | None = None) -> list[Path]:
    """Every card file: the catalogue folder, plugins' ``DatasetRecord.card``, $DENOISEKIT_CATALOGUE."""
    paths: list[Path] = []
    folder = catalogue_dir()
    if folder is not None:
        paths += sorted(folder.glob("*.toml"))
    if host is not None:
        paths += [Path(r.card) for r in host.datasets() if r.card is not None]
    for extra in os.environ.get(ENV_CATALOGUE, "").split(os.pathsep):
        if extra.strip():
            paths += sorted(Path(extra).expanduser().glob("*.toml"))
    seen: set[Path] = set()
    unique = []
    for p in paths:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def load_cards(host: PluginHost | None = None, *, problems: list[CardError] | None = None) -> dict[str, Card]:
    """All cards by name, sorted. A broken card or two cards with one name raise :class:`CardError`,
    unless ``problems`` is given: then they are appended to it and skipped (``data list`` does that).
    """
    cards: dict[str, Card] = {}
    for path in card_paths(host):
        try:
            card = read_card(path)
            if card.name in cards:
                raise CardError(path, f"dataset {card.name!r} already has a card: {cards[card.name].path}")
        except CardError as e:
            if problems is None:
                raise
            problems.append(e)
            continue
        cards[card.name] = card
    return dict(sorted(cards.items()))


def get_card(name: str, host: PluginHost | None = None) -> Card:
    """The card of ``name``; an unknown name is a :class:`UserError` with a suggestion."""
    problems: list[CardError] = []
    cards = load_cards(host, problems=problems)
    if name in cards:
        return cards[name]
    for problem in problems:
        if problem.path.stem == name:
            raise problem
    registered = {r.name for r in host.datasets()} if host is not None else set()
    if name in registered:
        owner = host.owner("register_datasets", name)  # type: ignore[union-attr]
        raise UserError(f"dataset {name!r} has no card: plugin {owner.name!r} ({owner.distribution}) registers it "
                        "without one (see docs/datasets.md)")
    known = set(cards) | registered
    hint = suggest(name, known) or (f"; known datasets: {', '.join(sorted(known))}" if known else "")
    raise UserError(f"unknown dataset {name!r}{hint}")


# -- helpers for builders ------------------------------------------------------------------------

_SHOW_PROGRESS: contextvars.ContextVar[bool] = contextvars.ContextVar("denoisekit_build_progress", default=True)


@contextmanager
def quiet() -> Iterator[None]:
    """Silence :func:`progress` bars inside this block (``denoisekit data build --quiet``)."""
    token = _SHOW_PROGRESS.set(False)
    try:
        yield
    finally:
        _SHOW_PROGRESS.reset(token)


def progress(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate over ``items`` reporting progress on stderr, for builders: a bar on a terminal, log
    lines elsewhere, nothing under :func:`quiet` (see :mod:`denoisekit.progress`)."""
    from denoisekit.progress import track

    yield from track(items, description, total, enabled=_SHOW_PROGRESS.get())


def manifest_matches(folder: Path, parameters: Any) -> bool:
    """Whether ``folder/manifest.json`` exists, reads as JSON and records exactly these build ``parameters`` (its
    ``"parameters"`` entry): a build with the same parameters is complete and need not run again."""
    try:
        return json.loads((Path(folder) / MANIFEST).read_text()).get("parameters") == parameters
    except (OSError, ValueError):
        return False


def write_manifest(folder: Path, info: Mapping[str, Any]) -> bool:
    """Write ``folder/manifest.json`` (the mark of a complete build) unless it already says ``info``.

    Returns whether the file was written; written atomically, so a build that stops early leaves
    no manifest and ``data list`` reports it as partial.
    """
    path = Path(folder) / MANIFEST
    text = json.dumps(dict(info), indent=2, sort_keys=True) + "\n"
    if path.is_file() and path.read_text() == text:
        return False
    tmp = path.with_name(f".{MANIFEST}.partial")
    tmp.write_text(text)
    os.replace(tmp, path)
    return True


def build_state(folder: Path) -> str:
    """'built' when ``folder`` holds a manifest, 'partial' when it exists without one, else 'no'."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return "built"
    return "partial" if folder.is_dir() else "no"
