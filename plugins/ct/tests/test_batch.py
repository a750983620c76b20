"""`denoisekit batch` on CT: a folder holding two DICOM series folders and one DICOM slice gives three tasks,
each with the output `denoisekit run` gives for it with the same seed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pydicom
import torch
from denoisekit_ct.denoise_sample import head_phantom
from denoisekit_ct.dicom_format import new_ct_dataset, write_dicom, write_dicom_series

from denoisekit.api import Sample
from denoisekit.testing import cli

torch.set_num_threads(1)

SIZE = 24
FAST = ["--set", "iterations=3", "--seed", "5", "--quiet"]


def write_series(folder: Path, seeds: tuple[int, ...]) -> Path:
    slices = np.stack([head_phantom(SIZE, seed=s)[1] for s in seeds])
    datasets = [new_ct_dataset((SIZE, SIZE), position=2.0 * i, slice_thickness=2.0) for i in range(len(seeds))]
    write_dicom_series(Sample(slices, "DHW", "dicom-series", {"datasets": datasets}), folder)
    return folder


def write_slice(path: Path, seed: int) -> Path:
    write_dicom(Sample(head_phantom(SIZE, seed=seed)[1], "HW", "dicom", {"dataset": new_ct_dataset((SIZE, SIZE))}),
                path)
    return path


def pixels(path: Path) -> list[np.ndarray]:
    """The HU of a DICOM slice, or of a series folder's slices ordered by position."""
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    datasets = sorted((pydicom.dcmread(f) for f in files), key=lambda d: float(d.ImagePositionPatient[2]))
    return [d.pixel_array * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in datasets]


def test_series_folders_and_a_slice_are_one_task_each_and_match_single_runs(tmp_path, capsys):
    archive = tmp_path / "archive"
    write_series(archive / "series_a", (1, 2))
    write_series(archive / "series_b", (3, 4, 5))
    write_slice(archive / "single.dcm", 6)
    (archive / "README.txt").write_text("not a CT input")

    out = tmp_path / "batch"
    code = cli(["batch", "ct/zs-n2n", "-i", str(archive), "-o", str(out), "-w", "2", *FAST])
    stdout = capsys.readouterr().out
    assert code == 0, stdout
    assert "3 of 3 input(s) succeeded, 0 failed" in stdout
    lines = [json.loads(line) for line in (out / "batch.jsonl").read_text().splitlines()]
    assert sorted((ln["stem"], Path(ln["input"]).name, ln["status"]) for ln in lines) == [
        ("series_a", "series_a", "ok"), ("series_b", "series_b", "ok"), ("single", "single.dcm", "ok")]

    for stem, name in (("series_a", "series_a"), ("series_b", "series_b"), ("single", "single.dcm")):
        alone = tmp_path / f"run_{stem}"
        assert cli(["run", "ct/zs-n2n", "-i", str(archive / name), "-o", str(alone), *FAST]) == 0
        batched, single = pixels(out / stem / name), pixels(alone / name)
        assert len(batched) == len(single) == {"series_a": 2, "series_b": 3, "single": 1}[stem]
        for a, b in zip(batched, single, strict=True):
            np.testing.assert_array_equal(a, b)
        assert not np.array_equal(batched[0], pixels(archive / name)[0])  # denoised, not copied
    assert json.loads((out / "series_b" / "run.json").read_text())["notes"]["slices"] == 3
