"""``denoisekit data``: the dataset catalogue on the command line (docs/cli.md, docs/datasets.md).

Registered as a top-level command by the core plugin (``register_commands``), whose factory
imports this module when the plugin host loads.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from denoisekit import catalogue
from denoisekit.atomic import new_partial, output_lock, refuse_current_directory, remove_stale, replace_directory
from denoisekit.catalogue import Card, CardError
from denoisekit.cli import _host, cache_dir
from denoisekit.errors import UserError
from denoisekit.manager import PluginHost
from denoisekit.options import suggest
from denoisekit.records import DatasetRecord

WIDTH = 100
_LIST_LINE = re.compile(r"^(\s*([-*$]|\d+\.)\s|\s{4})")  # list items, shell lines, indented code


def default_root() -> Path:
    """Where ``data build`` puts datasets: ``datasets/`` in the cache directory."""
    return cache_dir() / "datasets"


def _records(host: PluginHost) -> dict[str, DatasetRecord]:
    return {r.name: r for r in host.datasets()}


def _owner(host: PluginHost, name: str) -> str:
    info = host.owner("register_datasets", name)
    return f"plugin {info.name!r} ({info.distribution} {info.version})"


def _state(card: Card | None, record: DatasetRecord | None, root: Path) -> str | None:
    """'built', 'partial' or 'no' for a dataset that can be built here; None for external ones."""
    if (card is not None and card.external) or record is None or record.build is None:
        return None
    return catalogue.build_state(root / record.name)


def _snapshot(folder: Path) -> dict[Path, tuple[int, int]]:
    if not folder.is_dir():
        return {}
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def _root_option(f: Any) -> Any:
    return click.option("--root", type=click.Path(file_okay=False, path_type=Path, readable=False), default=None,
                        help="Folder that holds the built datasets (default: datasets/ in the cache directory, "
                             "$DENOISEKIT_CACHE or ~/.cache/denoisekit).")(f)


@click.group()
def data() -> None:
    """The dataset catalogue: list datasets, show a card, build a sample set offline."""


@data.command("list")
@_root_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_(ctx: click.Context, root: Path | None, as_json: bool) -> None:
    """List every dataset with a card or a registered builder: domain, availability, build state."""
    host = _host(ctx)
    root = root or default_root()
    problems: list[CardError] = []
    cards = catalogue.load_cards(host, problems=problems)
    for problem in problems:
        click.echo(f"warning: skipped card {problem}", err=True)
    records = _records(host)
    rows = []
    for name in sorted(set(cards) | set(records)):
        card, record = cards.get(name), records.get(name)
        rows.append({
            "name": name,
            "domain": card.domain if card else record.domain,  # type: ignore[union-attr]
            "availability": card.availability if card else ("built" if record and record.build else "external"),
            "built": _state(card, record, root),
            "summary": card.summary if card else record.summary,  # type: ignore[union-attr]
            "plugin": card.plugin if card else host.owner("register_datasets", name).distribution,
            "registered": record is not None,
            "folder": str(root / name) if _state(card, record, root) is not None else None,
            "card": str(card.path) if card and card.path else None,
        })
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(f"datasets (root: {root})"))
    for column in ("dataset", "domain", "availability", "built"):
        table.add_column(column, no_wrap=True)
    table.add_column("summary")
    for row in rows:
        built = {"built": "[green]yes[/]", "partial": "[yellow]partial[/]", "no": "no", None: "-"}[row["built"]]
        if row["availability"] == "built" and not row["registered"]:
            built = "[yellow]plugin not installed[/]"
        table.add_row(row["name"], row["domain"], row["availability"], built, escape(row["summary"]))
    Console(highlight=False, soft_wrap=True).print(table)


def _paragraphs(text: str, indent: str = "  ") -> list[str]:
    """``text`` wrapped per paragraph; lines of lists (``- ``, ``1. ``) and code stay as written."""
    out: list[str] = []
    for para in text.strip().split("\n\n"):
        lines = para.splitlines()
        if any(_LIST_LINE.match(line) for line in lines):
            out += [indent + line for line in lines]
        else:
            out += textwrap.wrap(" ".join(line.strip() for line in lines), WIDTH,
                                 initial_indent=indent, subsequent_indent=indent) or [indent]
        out.append("")
    return out


def card_text(card: Card, host: PluginHost, root: Path) -> str:
    """The card as readable text (``denoisekit data info``)."""
    record = _records(host).get(card.name)
    state = _state(card, record, root)
    if card.external:
        status = "external: obtain it yourself (see build); the plugin reads it in the layout below"
    elif record is None or record.build is None:
        status = f"not buildable here: the plugin {card.plugin} is not installed"
    else:
        status = {"built": f"built in {root / card.name}", "partial": f"partly built in {root / card.name}",
                  "no": f"not built yet (denoisekit data build {card.name})"}[state or "no"]
    head = [f"{card.name}: {card.summary}", ""]
    fields = [("domain", card.domain), ("availability", card.availability), ("plugin", card.plugin),
              ("registered by", _owner(host, card.name) if record else "no installed plugin"),
              ("status", status), ("url", card.url), ("card", str(card.path or ""))]
    head += [f"  {key:<14}{value}" for key, value in fields if value]
    head.append("")
    body: list[str] = []
    for key in ("description", "provenance", "licence", "citation", "format", "size", "build"):
        body.append(key)
        body += _paragraphs(getattr(card, key))
    if card.layout:
        body.append("layout (relative to the dataset folder)")
        width = max(len(p) for p in card.layout) + 2
        for pattern, meaning in card.layout.items():
            if width > WIDTH // 2:  # long patterns: the meaning goes below, indented
                body.append(f"  {pattern}")
                body += textwrap.wrap(meaning, WIDTH, initial_indent=" " * 6, subsequent_indent=" " * 6)
                continue
            wrapped = textwrap.wrap(meaning, WIDTH - width - 2) or [""]
            body.append(f"  {pattern:<{width}}{wrapped[0]}")
            body += [" " * (width + 2) + line for line in wrapped[1:]]
        body.append("")
    return "\n".join(head + body).rstrip() + "\n"


@data.command()
@click.argument("name")
@_root_option
@click.option("--json", "as_json", is_flag=True, help="Print the card as JSON.")
@click.pass_context
def info(ctx: click.Context, name: str, root: Path | None, as_json: bool) -> None:
    """Print the card of dataset NAME: provenance, licence, citation, format, size, how to build it."""
    host = _host(ctx)
    card = catalogue.get_card(name, host)
    root = root or default_root()
    if as_json:
        record = _records(host).get(name)
        state = _state(card, record, root)
        extra = {"registered": record is not None, "built": state,
                 "folder": str(root / name) if state is not None else None}
        click.echo(json.dumps(card.to_json() | extra, indent=2))
        return
    click.echo(card_text(card, host, root), nl=False)


@data.command()
@click.argument("name")
@_root_option
@click.option("--overwrite", is_flag=True, help="Build again from scratch and replace the existing folder.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def build(ctx: click.Context, name: str, root: Path | None, overwrite: bool, quiet: bool) -> None:
    """Build dataset NAME offline into ROOT/NAME (idempotent: what exists is not written again)."""
    host = _host(ctx)
    problems: list[CardError] = []
    cards = catalogue.load_cards(host, problems=problems)
    records = _records(host)
    card, record = cards.get(name), records.get(name)
    if card is None and record is None:
        for problem in problems:
            if problem.path.stem == name:
                raise problem
        known = set(cards) | set(records)
        raise UserError(f"unknown dataset {name!r}{suggest(name, known)}")
    if card is not None and card.external:
        where = card.url or "the provider (see the card's build section)"
        raise UserError(f"{name} is external: obtain it from {where} and place it as {card.placement()} "
                        f"(see denoisekit data info {name})")
    if record is None:
        raise UserError(f"{name}: no installed plugin builds it; its card names the plugin {card.plugin}")  # type: ignore[union-attr]
    if record.build is None:
        raise UserError(f"{name}: {_owner(host, name)} registers no builder for it")
    root = (root or default_root()).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    before = _snapshot(root / name)
    with catalogue.quiet() if quiet else nullcontext():
        folder = _build_replacing(record, root) if overwrite else Path(record.build(root))
    after = _snapshot(folder)
    written = sum(1 for p, stat in after.items() if before.get(p) != stat)
    if written:
        click.echo(f"{name}: wrote {written} file(s) into {folder}")
    else:
        click.echo(f"{name}: already built in {folder} (nothing written)")


def _build_replacing(record: DatasetRecord, root: Path) -> Path:
    """Build into a partial folder under ``root``, then replace the existing dataset folder.

    The dataset folder is locked meanwhile, and partial folders of killed builds are removed first.
    """
    claimed = root / record.name
    refuse_current_directory(claimed)
    with output_lock(claimed):
        remove_stale(claimed)
        tmp = new_partial(claimed)
        try:
            built = Path(record.build(tmp)).resolve()  # type: ignore[misc]
            try:
                relative = built.relative_to(tmp.resolve())
            except ValueError:
                raise UserError(f"{record.name}: the builder wrote outside its root ({built})") from None
            if not relative.parts:
                raise UserError(f"{record.name}: the builder returned its root, not a dataset folder")
            target = root / relative
            refuse_current_directory(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            replace_directory(built, target)
            return target
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
