"""``denoisekit plugins --json`` in a subprocess, with the fixture distributions on PYTHONPATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .conftest import BROKEN_PLUGINS, FIXTURE_PLUGINS, FIXTURE_SITE

KEYS = {"name", "distribution", "version", "status", "error", "hooks", "builtin"}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DENOISEKIT_NO_PLUGINS", "DENOISEKIT_BLOCK")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(FIXTURE_SITE), env.get("PYTHONPATH", "")) if p)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.update(extra)
    return env


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "denoisekit.cli", *args], env=_env(**env),
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent)


def _plugins_json(*args: str, **env: str) -> dict[str, dict[str, Any]]:
    proc = _cli(*args, **env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data, list)
    for entry in data:
        assert set(entry) == KEYS, entry
    by_name = {entry["name"]: entry for entry in data}
    assert len(by_name) == len(data)
    return by_name


def test_plugins_json_reports_every_plugin() -> None:
    plugins = _plugins_json("plugins", "--json")
    assert plugins["core"]["status"] == "loaded"
    assert plugins["core"]["builtin"] is True and plugins["core"]["distribution"] == "denoisekit"
    assert "image" in plugins and plugins["image"]["builtin"] is True
    good = plugins["dk_fixture_good"]
    assert good["status"] == "loaded" and good["error"] is None
    assert good["distribution"] == "dk-fixture-good" and good["version"] == "1.0"
    assert good["builtin"] is False
    assert "register_pipelines" in good["hooks"] and "register_metrics" in good["hooks"]
    for name in BROKEN_PLUGINS:
        assert plugins[name]["status"] == "failed", name
        assert plugins[name]["distribution"] == FIXTURE_PLUGINS[name]
        assert plugins[name]["error"], name
    assert "a_module_that_does_not_exist_xyz" in plugins["dk_fixture_importerror"]["error"]
    assert "self_config" in plugins["dk_fixture_badsig"]["error"]
    assert "unknown hook 'register_pipeline'" in plugins["dk_fixture_misspelt"]["error"]
    assert "'register_pipelines'" in plugins["dk_fixture_misspelt"]["error"]
    conflict = plugins["dk_fixture_conflict"]["error"]
    assert "'denoisekit'" in conflict and "'dk-fixture-conflict'" in conflict
    assert "domain 'nowhere'" in plugins["dk_fixture_orphan"]["error"]


def test_no_plugins_option_blocks_fixtures() -> None:
    plugins = _plugins_json("--no-plugins", "plugins", "--json")
    assert plugins["core"]["status"] == "loaded"
    for name in FIXTURE_PLUGINS:
        if name.startswith("core ("):  # name taken: see test_loading.test_blocked_plugin_with_taken_name...
            assert plugins[name]["status"] != "loaded"
            continue
        assert plugins[name]["status"] == "blocked", name
        assert plugins[name]["hooks"] == []


def test_no_plugins_env_blocks_fixtures() -> None:
    plugins = _plugins_json("plugins", "--json", DENOISEKIT_NO_PLUGINS="1")
    assert plugins["core"]["status"] == "loaded"
    assert plugins["dk_fixture_good"]["status"] == "blocked"
    assert plugins["dk_fixture_importerror"]["status"] == "blocked"


def test_block_env() -> None:
    plugins = _plugins_json("plugins", "--json", DENOISEKIT_BLOCK="dk-fixture-good,dk_fixture_importerror")
    assert plugins["dk_fixture_good"]["status"] == "blocked"
    assert plugins["dk_fixture_importerror"]["status"] == "blocked"
    assert plugins["dk_fixture_badsig"]["status"] == "failed"
    assert plugins["core"]["status"] == "loaded"


def test_plugins_table_runs() -> None:
    proc = _cli("plugins", COLUMNS="250")  # rich wraps at 80 columns without a terminal
    assert proc.returncode == 0, proc.stderr
    assert "dk_fixture_good" in proc.stdout and "dk-fixture-importerror" in proc.stdout


def test_plugin_command_runs() -> None:
    proc = _cli("fixture-hello")
    assert proc.returncode == 0, proc.stderr
    assert "hello from dk-fixture-good" in proc.stdout


def test_plugin_command_blocked_by_env() -> None:
    proc = _cli("fixture-hello", DENOISEKIT_NO_PLUGINS="1")
    assert proc.returncode != 0
    assert "hello from dk-fixture-good" not in proc.stdout


def test_plugin_command_blocked_by_no_plugins_option() -> None:
    proc = _cli("--no-plugins", "fixture-hello")
    assert "hello from dk-fixture-good" not in proc.stdout
    assert proc.returncode != 0
