"""A scaffolded third-party plugin installs with `denoisekit install`, is listed as loaded, and
passes its own tests (the conformance kit) unmodified."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from denoisekit.cli import main

DIST = "denoisekit-scaffold-e2e"


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "denoisekit.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.mark.slow
def test_scaffold_install_list_and_test(tmp_path):
    plugin = tmp_path / "plugin"
    made = _cli("new-plugin", "scaffold-e2e", "--output", str(plugin))
    assert made.returncode == 0, made.stderr
    assert (plugin / "denoisekit_scaffold_e2e" / "plugin.py").is_file()
    try:
        installed = _cli("install", "-e", str(plugin), "--no-build-isolation")
        assert installed.returncode == 0, installed.stderr[-2000:]
        assert "scaffold-e2e (denoisekit-scaffold-e2e 0.1.0): loaded" in installed.stdout
        listed = json.loads(_cli("plugins", "--json").stdout)
        entry = next(p for p in listed if p["name"] == "scaffold-e2e")
        assert entry["status"] == "loaded" and entry["distribution"] == DIST
        assert entry["hooks"] == ["register_domains", "register_pipelines"]
        tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(plugin)],
                               capture_output=True, text=True, cwd=plugin)
        assert tests.returncode == 0, tests.stdout[-3000:]
        assert "5 passed" in tests.stdout
    finally:
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", DIST], capture_output=True)


def test_scaffold_refuses_bad_names_and_existing_folders(tmp_path, capsys):
    assert main(["new-plugin", "Bad_Name", "-o", str(tmp_path / "x")]) == 2
    assert "lower-case" in capsys.readouterr().err
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "f").write_text("x")
    assert main(["new-plugin", "ok", "-o", str(tmp_path / "busy")]) == 2
    assert "never replaces a folder" in capsys.readouterr().err
    assert Path(tmp_path / "busy" / "f").read_text() == "x"


def test_a_scaffold_holds_no_output_marker_and_is_never_replaced(tmp_path, capsys):
    assert main(["new-plugin", "ok", "-o", str(tmp_path / "p")]) == 0
    assert not (tmp_path / "p" / ".denoisekit-output").exists()
    (tmp_path / "p" / "mine.py").write_text("x = 1\n")
    assert main(["new-plugin", "ok", "-o", str(tmp_path / "p"), "--overwrite"]) == 2
    assert (tmp_path / "p" / "mine.py").read_text() == "x = 1\n"


def test_install_without_arguments_is_a_user_error(capsys):
    assert main(["install"]) == 2
    assert "name at least one package" in capsys.readouterr().err
