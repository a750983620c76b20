"""Third-party plugins that misbehave in ways ``except Exception`` misses must not take the host down.

Each test installs one real distribution (a ``*.dist-info`` folder with ``entry_points.txt`` and
its module) in a temporary folder, puts it on ``PYTHONPATH`` beside the fixture distributions
(whose ``dk_fixture_good`` adds the command ``fixture-hello``), and runs the CLI in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from .conftest import FIXTURE_SITE

PLUGIN = "dk_broken"
DIST = "dk-broken"

COMMAND_HOOK = """
from denoisekit import hookimpl
from denoisekit.records import CommandRecord


def make():
{factory}


@hookimpl
def register_commands():
    return [CommandRecord(name="broken-cmd", summary="A command whose factory misbehaves", factory=make)]
"""


def _install(site: Path, source: str) -> None:
    """Write the distribution ``dk-broken`` whose plugin module is ``source``."""
    (site / f"{PLUGIN}.py").write_text(textwrap.dedent(source))
    meta = site / f"{PLUGIN}-1.0.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {DIST}\nVersion: 1.0\n")
    (meta / "entry_points.txt").write_text(f"[denoisekit.plugins]\n{PLUGIN} = {PLUGIN}\n")


def _cli(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DENOISEKIT_NO_PLUGINS", "DENOISEKIT_BLOCK")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), str(FIXTURE_SITE), env.get("PYTHONPATH")) if p)
    env.setdefault("OMP_NUM_THREADS", "1")
    return subprocess.run([sys.executable, "-m", "denoisekit.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120, cwd=site)


def _plugins(site: Path) -> dict[str, dict[str, Any]]:
    proc = _cli(site, "plugins", "--json")
    assert proc.returncode == 0, proc.stderr
    return {entry["name"]: entry for entry in json.loads(proc.stdout)}


def _assert_others_work(site: Path) -> None:
    plugins = _plugins(site)
    assert plugins["core"]["status"] == "loaded"
    assert plugins["dk_fixture_good"]["status"] == "loaded"
    hello = _cli(site, "fixture-hello")
    assert (hello.returncode, hello.stdout.strip()) == (0, "hello from dk-fixture-good"), hello.stderr
    pipelines = _cli(site, "pipelines", "--json")
    assert pipelines.returncode == 0, pipelines.stderr
    assert "fixture/scale" in {p["name"] for p in json.loads(pipelines.stdout)}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    return folder


# -- while importing --------------------------------------------------------------------------


@pytest.mark.parametrize(("statement", "error"), [
    ("import sys\nsys.exit(3)", "import failed: called sys.exit(3)"),
    ("import sys\nsys.exit()", "import failed: called sys.exit()"),
    ("raise SystemExit('bye')", "import failed: called sys.exit('bye')"),
    ("raise KeyboardInterrupt", "import failed: KeyboardInterrupt"),
])
def test_exit_or_interrupt_while_importing_fails_only_that_plugin(site: Path, statement: str, error: str) -> None:
    _install(site, statement)
    broken = _plugins(site)[PLUGIN]
    assert (broken["status"], broken["error"], broken["distribution"]) == ("failed", error, DIST)
    _assert_others_work(site)


def test_a_real_ctrl_c_while_loading_still_stops(site: Path) -> None:
    # a SIGINT that really arrives (as from the user's Ctrl-C) is not the plugin's failure
    _install(site, "import os, signal\nos.kill(os.getpid(), signal.SIGINT)\nimport time\ntime.sleep(5)\n")
    proc = _cli(site, "plugins", "--json")
    assert proc.returncode == 130
    assert proc.stdout == ""
    assert "interrupted" in proc.stderr


def test_print_while_importing_goes_to_stderr(site: Path) -> None:
    _install(site, """
        print("hello from the import")
        from denoisekit import hookimpl


        @hookimpl
        def register_metrics():
            print("hello from the hook")
            return []
    """)
    proc = _cli(site, "plugins", "--json")
    assert proc.returncode == 0, proc.stderr
    plugins = {entry["name"]: entry for entry in json.loads(proc.stdout)}  # valid JSON
    assert plugins[PLUGIN]["status"] == "loaded"
    assert "hello from the import" in proc.stderr and "hello from the hook" in proc.stderr
    assert "hello from" not in proc.stdout


# -- while calling hooks ----------------------------------------------------------------------


@pytest.mark.parametrize(("statement", "error"), [
    ("import sys; sys.exit(4)", "hook called sys.exit(4)"),
    ("raise KeyboardInterrupt", "hook raised KeyboardInterrupt"),
])
def test_exit_or_interrupt_in_a_hook_fails_only_that_plugin(site: Path, statement: str, error: str) -> None:
    _install(site, f"""
        from denoisekit import hookimpl


        @hookimpl
        def register_metrics():
            {statement}
    """)
    broken = _plugins(site)[PLUGIN]
    assert (broken["status"], broken["error"]) == ("failed", error)
    _assert_others_work(site)


# -- command factories ------------------------------------------------------------------------


@pytest.mark.parametrize(("factory", "error"), [
    ("    raise RuntimeError('no click here')", "command 'broken-cmd': factory raised RuntimeError: no click here"),
    ("    import sys; sys.exit(5)", "command 'broken-cmd': factory called sys.exit(5)"),
    ("    return 42", "command 'broken-cmd': factory returned int, expected a click.Command"),
])
def test_broken_command_factory_fails_the_plugin(site: Path, factory: str, error: str) -> None:
    _install(site, COMMAND_HOOK.format(factory=factory))
    broken = _plugins(site)[PLUGIN]
    assert (broken["status"], broken["error"]) == ("failed", error)
    _assert_others_work(site)

    help_ = _cli(site, "--help")
    assert help_.returncode == 0, help_.stderr
    assert "fixture-hello" in help_.stdout and "plugins" in help_.stdout and "data" in help_.stdout
    assert "broken-cmd" not in help_.stdout

    proc = _cli(site, "broken-cmd")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"error: command 'broken-cmd' is unavailable: plugin '{PLUGIN}' "
                                   f"(distribution '{DIST}') failed: {error}")
    assert "Traceback" not in proc.stderr


def test_good_command_factory_is_built_once(site: Path) -> None:
    _install(site, COMMAND_HOOK.format(factory="""\
    import click

    print("building")

    @click.command()
    def cmd():
        click.echo("ran broken-cmd")

    return cmd"""))
    proc = _cli(site, "broken-cmd")
    assert (proc.returncode, proc.stdout) == (0, "ran broken-cmd\n"), proc.stderr
    assert proc.stderr.count("building") == 1  # printed on stderr, not stdout
    assert _plugins(site)[PLUGIN]["status"] == "loaded"


def test_unknown_command_is_still_clicks_error(site: Path) -> None:
    proc = _cli(site, "no-such-cmd")
    assert proc.returncode == 2
    assert "No such command 'no-such-cmd'" in proc.stderr


def test_commands_built_before_a_broken_one_go_with_their_plugin(site: Path) -> None:
    _install(site, """
        import click

        from denoisekit import hookimpl
        from denoisekit.records import CommandRecord


        def good():
            return click.Command("fine-cmd", callback=lambda: click.echo("fine"))


        def bad():
            raise ValueError("broken")


        @hookimpl
        def register_commands():
            return [CommandRecord(name="fine-cmd", summary="Works", factory=good),
                    CommandRecord(name="broken-cmd", summary="Does not", factory=bad)]
    """)
    assert _plugins(site)[PLUGIN]["error"] == "command 'broken-cmd': factory raised ValueError: broken"
    proc = _cli(site, "fine-cmd")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith(f"error: command 'fine-cmd' is unavailable: plugin '{PLUGIN}'")
