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


class PluginError(Exception):
    """A plugin broke the host's rules: bad record, unknown hook, conflicting name."""
