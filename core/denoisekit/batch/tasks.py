"""Which inputs a batch has: discovery from a folder or a glob, reference pairing by stem, and checksums."""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from denoisekit.errors import UserError
from denoisekit.manager import PluginHost
from denoisekit.records import PipelineRecord

RESERVED = {"batch.jsonl", "batch.json"}  # the manifest's names inside the batch folder
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Task:
    """One input of a batch: its output goes to ``<batch folder>/<stem>/``."""

    stem: str
    input: Path
    reference: Path | None = None

    @property
    def name(self) -> str:
        return self.input.name


def stem_of(host: PluginHost, record: PipelineRecord, path: Path) -> str | None:
    """``path``'s name less the suffix of the pipeline format that reads it (longest first), or None when
    no format of the pipeline reads it (a folder counts only for a directory format)."""
    formats = [host.format(name) for name in record.formats]
    if path.is_dir():
        return path.name if any(f.directory for f in formats) else None
    lower = path.name.lower()
    suffixes = [s for f in formats for s in f.suffixes if lower.endswith(s)]
    if not suffixes:
        return None
    return path.name[: len(path.name) - max(map(len, suffixes))] or None


def _candidates(spec: str | Path) -> tuple[list[Path], str]:
    """The entries that ``spec`` names (a folder's visible entries, a glob's matches, or one file) and how to
    name it in errors."""
    path = Path(spec)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if not p.name.startswith(".")), f"{path}"
    if glob.has_magic(str(spec)):
        return sorted(Path(p) for p in glob.glob(str(spec), recursive=True)), f"{spec} (glob)"
    if path.exists():
        return [path], f"{path}"
    raise UserError(f"--input {spec}: no such file or folder, and not a glob pattern")


def _keyed(host: PluginHost, record: PipelineRecord, paths: Iterable[Path], what: str) -> dict[str, Path]:
    """``{stem: path}`` for the paths the pipeline reads; two paths with one stem are a UserError."""
    found: dict[str, Path] = {}
    for path in paths:
        stem = stem_of(host, record, path)
        if stem is None:
            continue
        if stem in found:
            raise UserError(f"{what}: {found[stem]} and {path} have the same stem '{stem}', so their outputs would "
                            f"share a folder; rename one")
        found[stem] = path
    return found


def discover(host: PluginHost, record: PipelineRecord, spec: str | Path, output: Path,
             reference: Path | None = None) -> list[Task]:
    """One task per input under ``spec`` that ``record`` reads, sorted by stem, each paired with the
    reference of the same stem in the folder ``reference``; the batch folder ``output`` is never an input."""
    output = Path(os.path.abspath(output))
    entries, label = _candidates(spec)
    entries = [p for p in entries if not _overlaps(Path(os.path.abspath(p)), output)]
    inputs = _keyed(host, record, entries, f"--input {label}")
    if not inputs:
        accepted = sorted({s for name in record.formats for s in host.format(name).suffixes})
        raise UserError(f"--input {label}: no input that {record.key} reads (accepted: {', '.join(accepted)})")
    clash = sorted(RESERVED & set(inputs))
    if clash:
        raise UserError(f"--input {label}: an input's stem '{clash[0]}' is the name of the batch manifest; rename it")
    refs = _references(host, record, reference, inputs) if reference is not None else {}
    return [Task(stem, Path(os.path.abspath(path)), refs.get(stem)) for stem, path in sorted(inputs.items())]


def _overlaps(path: Path, output: Path) -> bool:
    """Whether ``path`` is the batch folder, lies inside it or holds it."""
    return path == output or output in path.parents or path in output.parents


def _references(host: PluginHost, record: PipelineRecord, folder: Path, inputs: dict[str, Path]) -> dict[str, Path]:
    """``{stem: reference}`` from ``folder``, one for every input stem (a missing one is a UserError)."""
    if not folder.is_dir():
        raise UserError(f"--reference {folder}: not a folder (a batch pairs references by stem from a folder)")
    refs = _keyed(host, record, sorted(p for p in folder.iterdir() if not p.name.startswith(".")),
                  f"--reference {folder}")
    missing = sorted(set(inputs) - set(refs))
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise UserError(f"--reference {folder}: no reference with the stem of input(s) {shown}")
    return {stem: Path(os.path.abspath(refs[stem])) for stem in inputs}


def checksum(path: Path) -> str:
    """``sha256:HEX`` of a file's bytes, or, when it has companions (:func:`companions`), of the lines
    ``NAME\\0FILE_SHA256`` of it and them; for a folder, of those lines for its files (relative names, sorted)."""
    path = Path(path)
    if path.is_dir():
        return _lines_sha256(path, sorted(p for p in path.rglob("*") if p.is_file()))
    others = companions(path)
    return _lines_sha256(path.parent, sorted([path, *others])) if others else f"sha256:{_file_sha256(path)}"


def companions(path: Path) -> list[Path]:
    """The files beside ``path`` that a reader of it may open too: its name less the last suffix, bare or
    with one other suffix (an ENVI header's data file: ``scene.hdr`` -> ``scene.img`` or ``scene``)."""
    base = path.name[: len(path.name) - len(path.suffix)]
    if not base:
        return []
    near = [path.parent / base, *path.parent.glob(glob.escape(base) + ".*")]
    return sorted(p for p in near if p != path and "." not in p.name[len(base) + 1:] and p.is_file())


def _lines_sha256(root: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.relative_to(root).as_posix().encode() + b"\0" + _file_sha256(file).encode() + b"\n")
    return f"sha256:{digest.hexdigest()}"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
