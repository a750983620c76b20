"""Write a whole output directory atomically: build it under a temporary name, then rename.

An interrupted or failed run (exception, Ctrl-C) leaves no partial output behind, and an
existing directory is replaced only when the caller allows it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from denoisekit.errors import UserError


def check_output_dir(output: Path, overwrite: bool) -> None:
    """Refuse an existing non-empty output (or a file in its place) unless ``overwrite``."""
    if output.exists() and not output.is_dir():
        raise UserError(f"{output}: exists and is not a directory")
    if output.is_dir() and any(output.iterdir()) and not overwrite:
        raise UserError(f"{output}: output directory exists and is not empty (use --overwrite to replace it)")


@contextmanager
def atomic_directory(output: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory beside ``output``; on success it becomes ``output``."""
    output = Path(output).absolute()
    check_output_dir(output, overwrite)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.partial-", dir=output.parent))
    try:
        yield tmp
        if output.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
            os.replace(output, old / output.name)
            os.replace(tmp, output)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
