"""``denoisekit data list / info / build`` in-process, with one-line errors and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from denoisekit.catalogue import ENV_CATALOGUE
from denoisekit.cli import main


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_data_is_a_top_level_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0 and "data" in out and "dataset catalogue" in out
    code, out, _ = run_cli(["data", "--help"], capsys)
    assert code == 0 and all(c in out for c in ("list", "info", "build"))


def test_list_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["data", "list", "--json", "--root", str(tmp_path)], capsys)
    assert code == 0, err
    rows = {row["name"]: row for row in json.loads(out)}
    sample = rows["image-sample"]
    assert sample["domain"] == "image" and sample["availability"] == "built" and sample["registered"]
    assert sample["built"] == "no" and sample["folder"] == str(tmp_path / "image-sample")
    assert sample["card"].endswith("datasets/image-sample.toml")
    knee = rows["fastmri-knee"]
    assert knee["availability"] == "external" and knee["built"] is None and not knee["registered"]
    assert knee["plugin"].startswith("denoisekit-mri")
    assert set(sample) == {"name", "domain", "availability", "built", "summary", "plugin", "registered", "folder",
                           "card"}


def test_list_table_shows_build_state(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["data", "list", "--root", str(tmp_path)], capsys)
    assert code == 0 and "image-sample" in out and "fastmri-knee" in out and "external" in out


def test_info_prints_the_card(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["data", "info", "image-sample"], capsys)
    assert code == 0, err
    assert out.startswith("image-sample: ")
    for heading in ("description", "provenance", "licence", "citation", "format", "size", "build", "layout"):
        assert f"\n{heading}" in out, heading
    assert "clean/*.png" in out and "CC0" in out and "registered by" in out and "plugin 'image'" in out
    code, out, _ = run_cli(["data", "info", "fastmri-knee"], capsys)
    assert code == 0 and "singlecoil_train/*.h5" in out and "reconstruction_esc" in out and "external" in out


def test_info_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["data", "info", "voicebank-demand", "--json", "--root", str(tmp_path)], capsys)
    card = json.loads(out)
    assert code == 0 and card["name"] == "voicebank-demand" and card["domain"] == "speech"
    assert "test/noisy/*.wav" in card["layout"] and card["registered"] is False and card["built"] is None


def test_build_twice_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "root"
    code, out, err = run_cli(["data", "build", "image-sample", "--root", str(root)], capsys)
    folder = root / "image-sample"
    assert code == 0, err
    assert out.strip() == f"image-sample: wrote 297 file(s) into {folder}"
    assert len(list((folder / "clean").glob("*.png"))) == len(list((folder / "noisy").glob("*.png"))) == 148
    assert (folder / "manifest.json").is_file()
    before = snapshot(folder)
    code, out, err = run_cli(["data", "build", "image-sample", "--root", str(root)], capsys)
    assert code == 0, err
    assert out.strip() == f"image-sample: already built in {folder} (nothing written)"
    assert snapshot(folder) == before  # no file rewritten: sizes and mtimes unchanged
    code, out, _ = run_cli(["data", "list", "--json", "--root", str(root)], capsys)
    assert {r["name"]: r for r in json.loads(out)}["image-sample"]["built"] == "built"


def test_build_repairs_only_what_is_damaged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "root"
    assert run_cli(["data", "build", "image-sample", "--root", str(root), "--quiet"], capsys)[0] == 0
    folder = root / "image-sample"
    damaged = folder / "noisy" / "camera_r0_c0.png"
    damaged.write_bytes(damaged.read_bytes()[:200])  # truncated
    (folder / "clean" / "coins_r1_c2.png").unlink()
    (folder / "manifest.json").unlink()
    code, out, _ = run_cli(["data", "list", "--json", "--root", str(root)], capsys)
    assert {r["name"]: r for r in json.loads(out)}["image-sample"]["built"] == "partial"
    before = snapshot(folder)
    code, out, err = run_cli(["data", "build", "image-sample", "--root", str(root), "--quiet"], capsys)
    assert code == 0, err
    assert "wrote 3 file(s)" in out
    after = snapshot(folder)
    changed = sorted(k for k in after if before.get(k) != after[k])
    assert changed == ["clean/coins_r1_c2.png", "manifest.json", "noisy/camera_r0_c0.png"]


def test_build_overwrite_replaces_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "root"
    assert run_cli(["data", "build", "image-sample", "--root", str(root), "--quiet"], capsys)[0] == 0
    stray = root / "image-sample" / "stray.txt"
    stray.write_text("left over")
    code, out, err = run_cli(["data", "build", "image-sample", "--root", str(root), "--overwrite", "--quiet"], capsys)
    assert code == 0, err
    assert "wrote 297 file(s)" in out
    assert not stray.exists() and (root / "image-sample" / "manifest.json").is_file()
    assert sorted(p.name for p in root.iterdir()) == ["image-sample"]  # no temporary folder left


def test_build_defaults_to_the_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DENOISEKIT_CACHE", str(tmp_path / "cache"))
    code, out, err = run_cli(["data", "build", "image-sample", "--quiet"], capsys)
    assert code == 0, err
    assert str(tmp_path / "cache" / "datasets" / "image-sample") in out
    assert (tmp_path / "cache" / "datasets" / "image-sample" / "manifest.json").is_file()


def test_unknown_dataset_suggests_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("build", "info"):
        code, out, err = run_cli(["data", command, "image-sampel"], capsys)
        assert code == 2 and not out
        assert err == "error: unknown dataset 'image-sampel' (did you mean 'image-sample'?)\n"


def test_building_an_external_dataset_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["data", "build", "fastmri-knee", "--root", str(tmp_path)], capsys)
    assert code == 2 and not out and err.count("\n") == 1
    assert err.startswith("error: fastmri-knee is external: obtain it from https://fastmri.med.nyu.edu/")
    assert "DIR/singlecoil_train/*.h5" in err and "denoisekit data info fastmri-knee" in err
    assert not any(tmp_path.iterdir())


def test_a_broken_card_is_reported_not_fatal(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "broken.toml").write_text('name = "broken"\n')
    monkeypatch.setenv(ENV_CATALOGUE, str(extra))
    code, out, err = run_cli(["data", "list", "--json"], capsys)
    assert code == 0 and "image-sample" in out
    assert f"warning: skipped card {extra / 'broken.toml'}: missing required key(s)" in err
    code, out, err = run_cli(["data", "info", "broken"], capsys)
    assert code == 2 and err.startswith(f"error: {extra / 'broken.toml'}: missing required key(s)")
