"""The plugin conformance kit and what a plugin's tests may use besides :mod:`denoisekit.api`.

In a plugin's tests::

    from denoisekit.testing import parametrize_plugin_checks

    @parametrize_plugin_checks("myplugin")
    def test_conformance(check, tmp_path):
        check(tmp_path)

The kit is also a pytest plugin (entry point ``pytest11``) that provides the fixture
``denoisekit_host``: a freshly loaded :class:`PluginHost`. A test runs a pipeline as the CLI does
with :func:`run_pipeline` (or :func:`cli`, the command line itself, which returns its exit code),
and resolves a record's options with :func:`resolve_options`.
"""

from __future__ import annotations

from denoisekit.manager import PluginHost
from denoisekit.options import resolve_options
from denoisekit.runner import run_pipeline
from denoisekit.testing.checks import Check, parametrize_plugin_checks, plugin_checks


def cli(argv: list[str]) -> int:
    """Run ``denoisekit ARGV...`` in this process; the exit code (0 on success, 2 for a user error)."""
    from denoisekit.cli import main

    return main(argv)


__all__ = ["Check", "PluginHost", "cli", "parametrize_plugin_checks", "plugin_checks",
           "resolve_options", "run_pipeline"]
