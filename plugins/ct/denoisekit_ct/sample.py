"""The CT sample: a real 512 x 512 head CT slice and simulated low-dose versions of it, as DICOM.

Source: ``693_UNCR.dcm`` of pydicom-data (NEMA WG04 compression test set, MIT-licensed package;
140 kVp, 5 mm, 0.4785 mm pixels), found with ``pydicom.data.get_testdata_file``. The values below
-1024 HU (-3024: outside the scanner's field of view) are set to air (-1000 HU); that is the
reference. Low-dose slices are made by :func:`denoisekit_ct.lowdose.simulate_doses` at
I0 = 1e5, 2.5e4 and 1e4 photons per bin: parallel beam, 720 views over 180 deg, 0.4785 mm bins
covering the diagonal (725 bins), Joseph projector, sigma_e^2 = 10, Hann-filtered FBP, noise
inserted into the reference (so input - reference is the noise alone), seed 0, on the CPU.

Files in the sample folder: ``reference.dcm``, ``lowdose_i0_100000.dcm``, ``lowdose_i0_25000.dcm``,
``lowdose_i0_10000.dcm`` (each its own series), ``series_reference/`` and ``series_lowdose/`` (three
96 x 96 crops of the reference and of the I0 = 2.5e4 slice as a 3-slice series, 5 mm apart, for
series tests) and ``manifest.json`` (written last: what was built and the measured noise).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import DemoInputs, manifest_matches

SOURCE = "693_UNCR.dcm"
I0S = (1e5, 2.5e4, 1e4)
DEMO_I0 = 2.5e4
VIEWS = 720
FILTER = "hann"
SEED = 0
VERSION = 1
CROP = 96
CROP_CORNERS = ((150, 200), (250, 150), (250, 280))  # row, column of the series' crops


def dose_file(i0: float) -> str:
    return f"lowdose_i0_{int(i0)}.dcm"


def _parameters() -> dict[str, Any]:
    return {"version": VERSION, "source": SOURCE, "i0": list(I0S), "views": VIEWS, "filter": FILTER, "seed": SEED,
            "geometry": "parallel beam, 180 deg, bins of one pixel covering the diagonal",
            "electronic_sigma_squared": 10.0, "mu_water_per_mm": 0.0192, "noise": "inserted into the reference"}


def _expected(directory: Path) -> list[Path]:
    names = ["reference.dcm", *map(dose_file, I0S)]
    series = [f"series_{kind}/slice_{i}.dcm" for kind in ("reference", "lowdose") for i in range(len(CROP_CORNERS))]
    return [directory / n for n in (*names, *series)]


def _is_built(directory: Path) -> bool:
    return all(p.is_file() for p in _expected(directory)) and manifest_matches(directory, _parameters())


def source_slice() -> tuple[Any, np.ndarray]:
    """The dataset of 693_UNCR.dcm and its HU image with the outside of the field of view set to air."""
    from pydicom.data import get_testdata_file

    from denoisekit_ct.dicom_format import read_dataset

    ds, hu = read_dataset(Path(get_testdata_file(SOURCE)))
    return ds, np.where(hu < -1024, -1000, hu).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _simulated_doses() -> tuple[np.ndarray, ...]:
    """The low-dose slices (computed once per process: builds into several folders reuse them)."""
    from denoisekit_ct.lowdose import simulate_doses

    ds, reference = source_slice()
    doses = simulate_doses(reference, I0S, views=VIEWS, pixel_size=float(ds.PixelSpacing[0]), filter=FILTER,
                           seed=SEED, device="cpu")
    for array in doses:
        array.setflags(write=False)
    return tuple(doses)


def _write(ds: Any, hu: np.ndarray, path: Path, description: str, series_uid: str | None = None,
           position: float | None = None) -> None:
    from pydicom.uid import generate_uid

    from denoisekit_ct.dicom_format import encode_slice

    out = encode_slice(ds, hu, series_uid or generate_uid(), description)
    if position is not None:
        out.ImagePositionPatient = [float(v) for v in (*list(out.ImagePositionPatient)[:2], position)]
        out.InstanceNumber = int(round(position / 5.0)) + 1
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    out.save_as(tmp, enforce_file_format=True)
    tmp.replace(path)


def build_ct_sample(directory: Path) -> DemoInputs:
    """Write the sample into ``directory`` (nothing is redone when a complete build is there)."""
    from pydicom.uid import generate_uid

    from denoisekit.api import write_manifest
    from denoisekit_ct import denoising_records
    from denoisekit_ct.ct_metrics import ct_noise_std, ct_psnr

    directory = Path(directory)
    inputs = DemoInputs(input=directory / dose_file(DEMO_I0), reference=directory / "reference.dcm",
                        config=dict(getattr(denoising_records, "DEMO_CONFIG", {})))
    if _is_built(directory):
        return inputs
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").unlink(missing_ok=True)
    ds, reference = source_slice()
    doses = _simulated_doses()
    _write(ds, reference, directory / "reference.dcm", "denoisekit ct-sample reference")
    measured = {}
    for i0, hu in zip(I0S, doses, strict=True):
        _write(ds, hu, directory / dose_file(i0), f"denoisekit ct-sample low dose I0={i0:g}")
        stored = np.rint(hu)  # what the file holds (slope 1)
        measured[f"{i0:g}"] = {"noise_std_hu": round(ct_noise_std(stored, reference), 2),
                               "ct_psnr_db": round(ct_psnr(stored, reference), 2)}
    demo = doses[I0S.index(DEMO_I0)]
    for kind, image in (("reference", reference), ("lowdose", demo)):
        uid = generate_uid()
        for i, (r, c) in enumerate(CROP_CORNERS):
            crop = image[r:r + CROP, c:c + CROP]
            _write(ds, crop, directory / f"series_{kind}" / f"slice_{i}.dcm",
                   f"denoisekit ct-sample series {kind}", uid, position=5.0 * i)
    manifest = {"parameters": _parameters(), "measured_in_uniform_32x32_window": measured,
                "files": [str(p.relative_to(directory)) for p in _expected(directory)]}
    write_manifest(directory, manifest)
    return inputs


def build_ct_sample_set(root: Path) -> Path:
    """The ``ct-sample`` dataset: the sample built under ``root / "ct-sample"``."""
    folder = Path(root) / "ct-sample"
    build_ct_sample(folder)
    return folder


class CTSampleSet:
    """Map-style dataset over a built ct-sample folder: item i is ``{"x": reference, "y": low dose,
    "i0": I0}`` for the doses in the manifest, float32 HU arrays of shape (1, 512, 512)."""

    def __init__(self, folder: Path):
        from denoisekit.api import InputError
        from denoisekit_ct.dicom_format import read_dataset

        folder = Path(folder)
        manifest = folder / "manifest.json"
        if not manifest.is_file():
            raise InputError(folder, "not a built ct-sample folder (no manifest.json): "
                                     "run denoisekit data build ct-sample")
        self.i0s = [float(v) for v in json.loads(manifest.read_text())["parameters"]["i0"]]
        self.reference = read_dataset(folder / "reference.dcm")[1][None]
        self.lowdose = [read_dataset(folder / dose_file(i0))[1][None] for i0 in self.i0s]

    def __len__(self) -> int:
        return len(self.i0s)

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        return {"x": self.reference, "y": self.lowdose[i], "i0": np.float32(self.i0s[i])}
