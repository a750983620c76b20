"""Errors a user can cause, shown by the CLI as one line and exit code 2 (no traceback)."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """A problem with what the user asked for: a bad option, a missing pipeline, an existing output."""


class InputError(UserError):
    """A problem with one input file: missing, unreadable, truncated, wrong format, shape or values."""

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class PipelineFailed(RuntimeError):
    """A pipeline's own code failed; the message names the pipeline and the plugin that registered it."""


class PluginError(Exception):
    """A plugin broke the host's rules: bad record, unknown hook, conflicting name."""


def check_file(path: Path) -> None:
    """An InputError unless ``path`` is an existing, non-empty regular file (the readers' first check)."""
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a regular file")
    if path.stat().st_size == 0:
        raise InputError(path, "file is empty")


def reason(exc: BaseException) -> str:
    """A library exception as one short line, for an InputError's problem text."""
    text = " ".join(str(exc).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def error_line(error: BaseException) -> str:
    """The one line the CLI prints for ``error``: the message of a UserError or PipelineFailed (which name
    the file or the pipeline themselves), else :func:`reason`."""
    text = str(error).strip()
    if isinstance(error, (UserError, PipelineFailed)) and text:
        return text.splitlines()[0]
    return reason(error)
