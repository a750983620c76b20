"""Fixtures for the plugin host tests: real (tiny) distributions on ``sys.path``.

``tests/fixtures/site`` holds ``*.dist-info`` folders whose ``entry_points.txt`` announce
``denoisekit.plugins`` entry points, so :class:`denoisekit.manager.PluginHost` finds them through
``importlib.metadata`` exactly as it finds installed third-party plugins.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURE_SITE = Path(__file__).resolve().parents[1] / "fixtures" / "site"

# entry point name -> distribution name, for every fixture distribution in FIXTURE_SITE
FIXTURE_PLUGINS = {
    "dk_fixture_good": "dk-fixture-good",
    "dk_fixture_components": "dk-fixture-components",
    "dk_fixture_importerror": "dk-fixture-importerror",
    "dk_fixture_badsig": "dk-fixture-badsig",
    "dk_fixture_conflict": "dk-fixture-conflict",
    "dk_fixture_misspelt": "dk-fixture-misspelt",
    "dk_fixture_badrecord": "dk-fixture-badrecord",
    "dk_fixture_orphan": "dk-fixture-orphan",
    # announced under the entry point name "core", which the built-in plugin already uses
    "core (dk-fixture-dupname)": "dk-fixture-dupname",
}
BROKEN_PLUGINS = sorted(set(FIXTURE_PLUGINS) - {"dk_fixture_good", "dk_fixture_components"})


def _forget_fixture_modules() -> None:
    for name in [m for m in sys.modules if m.startswith("dk_fixture_")]:
        del sys.modules[name]


@pytest.fixture
def fixture_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Put the fixture distributions on ``sys.path`` (and take them off again afterwards)."""
    for var in ("DENOISEKIT_NO_PLUGINS", "DENOISEKIT_BLOCK"):
        monkeypatch.delenv(var, raising=False)
    _forget_fixture_modules()
    entry = str(FIXTURE_SITE)
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    try:
        yield FIXTURE_SITE
    finally:
        while entry in sys.path:
            sys.path.remove(entry)
        importlib.invalidate_caches()
        _forget_fixture_modules()
