"""`denoisekit demo` builds the built-in sample and runs the domain's demo pipeline."""

import json

from denoisekit.cli import main


def test_demo_image_writes_a_report(tmp_path, capsys):
    out = tmp_path / "demo"
    code = main(["demo", "image", "--output", str(out), "--set", "iterations=20", "--quiet"])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    assert (out / "image" / "report.png").is_file() and (out / "image" / "noisy.png").is_file()
    metrics = json.loads((out / "image" / "metrics.json").read_text())
    assert metrics["pipeline"] == "image/zs-n2n"
    assert str(out / "image" / "report.png") in stdout
    # a second run refuses to overwrite, and --overwrite replaces
    assert main(["demo", "image", "--output", str(out), "--set", "iterations=20", "--quiet"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["demo", "image", "-o", str(out), "--set", "iterations=20", "--quiet", "--overwrite"]) == 0


def test_demo_unknown_domain_suggests(capsys, tmp_path):
    assert main(["demo", "imag", "--output", str(tmp_path / "d")]) == 2
    assert "did you mean 'image'" in capsys.readouterr().err
