"""Meta-tests: the documentation builds, and hooks, commands, README and CI stay in step with the code."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from denoisekit import hookspecs
from denoisekit.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SPEC_MARKER = f"{hookspecs.PROJECT}_spec"  # set by pluggy's HookspecMarker on every hook spec


def hook_names() -> list[str]:
    names = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(fn, SPEC_MARKER)]
    assert names, "found no hook specification in denoisekit.hookspecs"
    return sorted(names)


def headings(markdown: str) -> set[str]:
    """The text of every ATX heading, without backticks and a leading 'denoisekit '."""
    found = set()
    for line in markdown.splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            found.add(m.group(1).replace("`", "").removeprefix("denoisekit ").strip())
    return found


def test_docs_build_strict(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site"),
           "-f", str(ROOT / "mkdocs.yml")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(proc.stdout)
        print(proc.stderr)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    assert (tmp_path / "site" / "plugin-hooks" / "index.html").is_file()


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_is_documented(hook: str) -> None:
    text = (DOCS / "plugin-hooks.md").read_text()
    assert hook in headings(text), f"docs/plugin-hooks.md has no '## {hook}' section"
    assert f"{hook}()" in text, f"docs/plugin-hooks.md does not show the signature {hook}()"


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_is_tested(hook: str) -> None:
    this = Path(__file__).resolve()
    tests = [p for p in sorted((ROOT / "tests").rglob("test_*.py")) if p.resolve() != this]
    users = [p for p in tests if re.search(rf"\b{hook}\b", p.read_text())]
    assert users, f"no test file under tests/ (test_*.py, other than {this.name}) mentions {hook}"


def test_cli_reference_lists_every_command() -> None:
    documented = headings((DOCS / "cli.md").read_text())
    missing = sorted(name for name in cli.commands if name not in documented)
    assert not missing, f"docs/cli.md has no heading for command(s) {missing}"


def test_readme_and_ci_agree() -> None:
    readme = (ROOT / "README.md").read_text()
    for command in ("make demo", "make test"):
        assert command in readme, f"README.md does not mention `{command}`"
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line.split("#", 1)[0] for line in ci.splitlines()]  # without comments
    assert any(re.search(r"\bmake\s+test\b", line) for line in commands), ".ci/run does not run `make test`"
