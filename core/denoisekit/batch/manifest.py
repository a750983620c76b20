"""The batch manifest: ``batch.jsonl`` (one line per finished input), ``batch.json`` (the summary), and
the resume plan drawn from them.

Only the batch's driver process writes them. A line is appended with one ``write`` on an
``O_APPEND`` descriptor, then flushed to disk (``fsync``), so a crash loses at most the line being
written; a torn last line is ignored when the manifest is read back. The summary is replaced
atomically (temporary file, ``fsync``, rename).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from denoisekit.batch.tasks import Task, checksum
from denoisekit.errors import UserError

LINES = "batch.jsonl"
SUMMARY = "batch.json"


def config_key(pipeline: str, options: Mapping[str, Any], seed: int) -> str:
    """``sha256:HEX`` of what decides an output besides its input: pipeline, resolved options and seed."""
    text = json.dumps({"pipeline": pipeline, "options": dict(options), "seed": seed}, sort_keys=True, default=str)
    return f"sha256:{hashlib.sha256(text.encode()).hexdigest()}"


class Manifest:
    """``DIR/batch.jsonl``: read the latest line per input, append one line per finished input."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LINES

    def lines(self) -> list[dict[str, Any]]:
        """Every complete, valid line in order (a torn or foreign line is skipped)."""
        if not self.path.is_file():
            return []
        found = []
        for raw in self.path.read_bytes().split(b"\n"):
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if isinstance(line, dict) and isinstance(line.get("stem"), str) and line.get("status") in ("ok", "failed"):
                found.append(line)
        return found

    def latest(self) -> dict[str, dict[str, Any]]:
        """``{stem: its last line}``: a later line (a retry) supersedes an earlier one."""
        return {line["stem"]: line for line in self.lines()}

    def append(self, line: Mapping[str, Any]) -> None:
        """Append ``line`` as one JSON line, durably; starts a new line after a torn one."""
        data = json.dumps(line, allow_nan=False, default=str).encode() + b"\n"
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(f"{self.path}: short write ({written} of {len(data)} bytes)")
            os.fsync(fd)
        finally:
            os.close(fd)

    def reset(self) -> None:
        """Start an empty manifest (``--overwrite``), atomically."""
        write_atomic(self.path, b"")


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: written beside it, flushed, then renamed over it."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_summary(folder: Path, summary: Mapping[str, Any]) -> None:
    """Write ``DIR/batch.json`` atomically."""
    from denoisekit.runner import _finite

    text = json.dumps(_finite(dict(summary)), indent=2, allow_nan=False, default=str) + "\n"
    write_atomic(Path(folder) / SUMMARY, text.encode())


@dataclass
class Plan:
    """What a (re-)run does with each input."""

    todo: list[Task] = field(default_factory=list)
    done: list[Task] = field(default_factory=list)  # finished with these options and this input: skipped
    failed: list[Task] = field(default_factory=list)  # failed before; retried only with --retry-failed
    redo: list[Task] = field(default_factory=list)  # finished, but the input or its output changed since


def plan(tasks: Iterable[Task], latest: Mapping[str, Mapping[str, Any]], key: str, folder: Path, *,
         overwrite: bool = False, retry_failed: bool = False) -> Plan:
    """Sort ``tasks`` by what the manifest's ``latest`` lines say about them (see docs/batch.md, Resume).

    A line made with other options (another config ``key``) is a UserError unless ``overwrite``: the
    batch folder holds results of one configuration only.
    """
    result = Plan()
    tasks = list(tasks)
    if not overwrite:
        other = [t.stem for t in tasks if t.stem in latest and latest[t.stem].get("config") != key]
        if other:
            raise UserError(f"{folder}: {len(other)} input(s) (first: {other[0]}) were processed with another "
                            f"pipeline, options or seed (see {SUMMARY}); use --overwrite to redo them, or another "
                            f"--output")
    for task in tasks:
        line = None if overwrite else latest.get(task.stem)
        if line is None:
            result.todo.append(task)
        elif line["status"] == "failed":
            (result.todo if retry_failed else result.failed).append(task)
        elif (folder / task.stem).is_dir() and _same_input(task, line):
            result.done.append(task)
        else:
            result.redo.append(task)
            result.todo.append(task)
    return result


def _same_input(task: Task, line: Mapping[str, Any]) -> bool:
    try:
        return checksum(task.input) == line.get("checksum")
    except OSError:
        return False
