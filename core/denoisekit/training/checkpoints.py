"""Training checkpoint files: ``step-00001234.pt`` in one directory, written atomically, the last N kept.

A checkpoint is written to a temporary file in the same directory, flushed to disk and renamed
over its final name (``os.replace``), so a crash mid-write never leaves a truncated
``step-*.pt`` behind; only the temporary ``.step-*.tmp`` file, which is ignored.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import torch

NAME = re.compile(r"step-(\d+)\.pt")


def checkpoint_path(directory: Path, step: int) -> Path:
    return directory / f"step-{step:08d}.pt"


def checkpoints(directory: Path) -> list[Path]:
    """The checkpoint files in ``directory``, oldest (lowest step) first."""
    found = [(int(m.group(1)), p) for p in directory.glob("step-*.pt") if (m := NAME.fullmatch(p.name))]
    return [p for _, p in sorted(found)]


def save_atomic(state: dict[str, Any], path: Path) -> None:
    """``torch.save(state, path)`` through a temporary file and a rename: ``path`` is whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prune(directory: Path, keep: int) -> None:
    """Delete all but the ``keep`` newest checkpoints."""
    for old in checkpoints(directory)[:-keep]:
        old.unlink(missing_ok=True)
