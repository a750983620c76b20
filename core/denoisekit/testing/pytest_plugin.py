"""pytest plugin of the conformance kit (registered through the ``pytest11`` entry point)."""

from __future__ import annotations

import pytest


@pytest.fixture
def denoisekit_host():
    """A freshly loaded plugin host (built-in and installed plugins)."""
    from denoisekit.manager import PluginHost

    return PluginHost()
