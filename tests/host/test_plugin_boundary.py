"""The plugin boundary (DESIGN.md section 8): plugins import ``denoisekit.api`` and nothing else of the core.

Their tests may also import ``denoisekit.testing``, the conformance kit. The scaffold's templates
obey the same rule, so a third party starts on the declared API.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import denoisekit.api as api

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_FILES = sorted((ROOT / "plugins").glob("*/**/*.py"))
TEMPLATE_FILES = sorted((ROOT / "core" / "denoisekit" / "templates" / "plugin").rglob("*.py.tmpl"))


def parse(path: Path) -> ast.Module:
    """A plugin file's syntax tree; a template's ``{{placeholders}}`` become plain names first."""
    return ast.parse(re.sub(r"\{\{\s*(\w+)\s*\}\}", r"\1", path.read_text()))


def core_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, module) for every import of ``denoisekit`` or one of its submodules in ``tree``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "denoisekit"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "denoisekit":
                found += [(node.lineno, f"denoisekit.{a.name}") for a in node.names]
            elif node.module.split(".")[0] == "denoisekit":
                found.append((node.lineno, node.module))
    return found


def allowed(path: Path) -> set[str]:
    is_test = "tests" in path.parts or path.name.startswith("test_")
    return {"denoisekit.api", "denoisekit.testing"} if is_test else {"denoisekit.api"}


def test_the_checker_finds_every_import_form():
    source = ("import denoisekit.sample\nfrom denoisekit import hookimpl\nfrom denoisekit.image import slices\n"
              "from denoisekit.api import Sample\nimport denoisekit_ct.geometry\nfrom . import plugin\n")
    assert [m for _, m in core_imports(ast.parse(source))] == [
        "denoisekit.sample", "denoisekit.hookimpl", "denoisekit.image", "denoisekit.api"]


@pytest.mark.parametrize("path", PLUGIN_FILES + TEMPLATE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_plugins_import_only_the_api(path):
    bad = [f"{path.name}:{line} imports {module}" for line, module in core_imports(parse(path))
           if module not in allowed(path)]
    assert not bad, "plugins may import only denoisekit.api (and tests denoisekit.testing): " + "; ".join(bad)


def test_every_name_a_plugin_uses_is_exported():
    used = set()
    for path in PLUGIN_FILES + TEMPLATE_FILES:
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.ImportFrom) and node.module == "denoisekit.api":
                used |= {a.name for a in node.names}
    assert used, "no plugin imports denoisekit.api"
    assert used <= set(api.__all__), sorted(used - set(api.__all__))


def test_every_exported_name_resolves_and_unknown_names_say_what_exists():
    for name in api.__all__:
        assert getattr(api, name) is not None
    with pytest.raises(AttributeError, match="may use only"):
        api.not_a_name  # noqa: B018


def test_every_exported_name_is_documented_in_the_plugin_guide():
    guide = (ROOT / "docs" / "writing-plugins.md").read_text()
    section = guide[guide.index("## The plugin API"):guide.index("### A complete plugin on the API")]
    missing = [name for name in api.__all__ if f"`{name}`" not in section and f"`{name}(" not in section]
    assert not missing, f"docs/writing-plugins.md, 'The plugin API', does not list: {missing}"
