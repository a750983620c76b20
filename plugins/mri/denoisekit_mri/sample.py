"""The MRI sample: multi-coil k-space simulated from real MR images of pydicom-data, in fastMRI layout.

Sources (``pydicom.data.get_testdata_file``): ``MR2_UNCR.dcm`` (1024 x 1024 shoulder MR of the NEMA WG04
set, 4 x 4 block means -> 256 x 256), ``MR-SIEMENS-DICOM-WithOverlays.dcm`` (484 x 484 abdominal MR, resampled
to 256 x 256) and ``emri_small.dcm`` (10 brain slices of 64 x 64; slices 2, 5, 8 make the small set). Each
image is scaled to a maximum of 1, given a smooth random phase (:func:`simulate.smooth_phase`), multiplied
by 8 (small set: 4) analytic coil maps (:func:`simulate.coil_maps`, sum |S|^2 = 1), Fourier transformed
and given complex Gaussian k-space noise at 30 dB SNR (:func:`simulate.noise_sigma`). References are the
root-sum-of-squares of the fully sampled noisy k-space (``reconstruction_rss``, the fastMRI convention);
single-coil references the magnitude (``reconstruction_esc``). Undersampled inputs use the fastMRI
equispaced mask, 4x with 8 % centre lines, seed 0. Nothing of nilearn's MNI152 is used here (evaluation only).

Files: ``mr_multicoil.h5`` (kspace (2, 8, 256, 256) 4x, mask, header), ``mr_reference.h5``,
``mr_full.h5`` (fully sampled kspace + reconstruction_rss + maps), ``mr_singlecoil.h5`` and
``mr_singlecoil_reference.h5`` (the same two slices, one coil), ``small_multicoil.h5`` and
``small_reference.h5`` (3 x 4 x 64 x 64, for quick runs), and ``manifest.json`` last.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import DemoInputs, InputError, manifest_matches

VERSION = 1
SEED = 0
SNR_DB = 30.0
ACCELERATION = 4
CENTER_FRACTION = 0.08
FILES = ("mr_multicoil.h5", "mr_reference.h5", "mr_full.h5", "mr_singlecoil.h5",
         "mr_singlecoil_reference.h5", "small_multicoil.h5", "small_reference.h5")


def _parameters() -> dict[str, Any]:
    return {"version": VERSION, "seed": SEED, "snr_db": SNR_DB, "acceleration": ACCELERATION,
            "center_fraction": CENTER_FRACTION, "coils": 8, "small_coils": 4,
            "sources": ["MR2_UNCR.dcm", "MR-SIEMENS-DICOM-WithOverlays.dcm", "emri_small.dcm"]}


def _resample(image: np.ndarray, size: int) -> np.ndarray:
    from scipy.ndimage import gaussian_filter, zoom

    factor = image.shape[0] / size
    if float(factor).is_integer():
        f = int(factor)
        return image.reshape(size, f, size, f).mean(axis=(1, 3))
    return zoom(gaussian_filter(image, 0.4 * factor), size / image.shape[0], order=1)[:size, :size]


def source_images() -> tuple[np.ndarray, np.ndarray]:
    """The two 256 x 256 slices (shoulder, abdomen) and the three 64 x 64 small slices, float64 scaled to max 1."""
    import pydicom
    from pydicom.data import get_testdata_file

    def load(name: str) -> np.ndarray:
        return pydicom.dcmread(get_testdata_file(name)).pixel_array.astype(np.float64)

    brain = np.stack([_resample(load("MR2_UNCR.dcm"), 256), _resample(load("MR-SIEMENS-DICOM-WithOverlays.dcm"), 256)])
    small = load("emri_small.dcm")[[2, 5, 8]]
    return (brain / brain.max(axis=(1, 2), keepdims=True), small / small.max(axis=(1, 2), keepdims=True))


def simulate_volume(images: np.ndarray, coils: int, rng: np.random.Generator,
                    snr_db: float = SNR_DB) -> tuple[np.ndarray, np.ndarray]:
    """Fully sampled noisy k-space (N, C, H, W) of ``images`` (N, H, W) and the coil maps (C, H, W)."""
    from denoisekit_mri.simulate import acquire, coil_maps, noise_sigma, smooth_phase

    maps = coil_maps(images.shape[-2:], coils)
    kspace = []
    for image in images:
        x = image * smooth_phase(image.shape, rng)
        kspace.append(acquire(x, maps, noise_sigma(x, snr_db), rng))
    return np.stack(kspace), maps


def _write(path: Path, datasets: dict[str, np.ndarray], attrs: dict[str, Any], header: str | None = None) -> None:
    import h5py

    tmp = path.with_name(path.name + ".part")
    with h5py.File(tmp, "w") as h5:
        for key, value in datasets.items():
            h5.create_dataset(key, data=value)
        if header is not None:
            h5.create_dataset("ismrmrd_header", data=header.encode())
        for key, value in attrs.items():
            h5.attrs[key] = value
    tmp.replace(path)


def _is_built(directory: Path) -> bool:
    return all((directory / f).is_file() for f in FILES) and manifest_matches(directory, _parameters())


def build_mri_sample(directory: Path) -> DemoInputs:
    """Write the sample into ``directory`` (nothing is redone when a complete build is there); the demo
    input is the 4x multi-coil 2-slice volume, its reference the fully sampled RSS."""
    from denoisekit.api import write_manifest
    from denoisekit_mri.formats import make_header
    from denoisekit_mri.masks import equispaced_lines
    from denoisekit_mri.metrics import mri_psnr, mri_ssim
    from denoisekit_mri.simulate import rss_image

    directory = Path(directory)
    inputs = DemoInputs(input=directory / "mr_multicoil.h5", reference=directory / "mr_reference.h5")
    if _is_built(directory):
        return inputs
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").unlink(missing_ok=True)
    rng = np.random.default_rng(SEED)
    images_mr, small = source_images()
    measured = {}
    for name, images, coils in (("mr", images_mr, 8), ("small", small, 4)):
        full, maps = simulate_volume(images, coils, rng)
        reference = rss_image(full)
        h, w = full.shape[-2:]
        mask, accel = equispaced_lines(w, ACCELERATION, CENTER_FRACTION, rng)
        header = make_header((h, w), (h, w))
        attrs = {"acquisition": "simulated 2-D Cartesian", "patient_id": f"mri-sample-{name}",
                 "max": float(reference.max()), "norm": float(np.linalg.norm(reference)),
                 "snr_db": SNR_DB, "acceleration": float(accel)}
        _write(directory / f"{name}_multicoil.h5", {"kspace": full * mask, "mask": mask}, attrs, header)
        _write(directory / f"{name}_reference.h5", {"reconstruction_rss": reference}, attrs)
        zero_filled = rss_image(full * mask)
        measured[name] = {"acceleration": round(float(accel), 3),
                          "zero_filled_psnr_db": round(mri_psnr(zero_filled, reference), 2),
                          "zero_filled_ssim": round(mri_ssim(zero_filled, reference), 4)}
        if name == "mr":
            _write(directory / "mr_full.h5", {"kspace": full, "reconstruction_rss": reference, "maps": maps},
                   attrs, header)
            single, _ = simulate_volume(images, 1, rng)
            single = single[:, 0]  # one coil: |S| = 1 everywhere (a phase only)
            single_ref = rss_image(single[:, None])
            _write(directory / "mr_singlecoil.h5", {"kspace": single * mask, "mask": mask},
                   {**attrs, "max": float(single_ref.max())}, header)
            _write(directory / "mr_singlecoil_reference.h5", {"reconstruction_esc": single_ref}, attrs)
    write_manifest(directory, {"parameters": _parameters(), "measured": measured, "files": list(FILES)})
    return inputs


def build_small_sample(directory: Path) -> DemoInputs:
    """The quick 3-slice 64 x 64 4-coil input (and its reference) of the same build, for test runs."""
    build_mri_sample(directory)
    return DemoInputs(input=Path(directory) / "small_multicoil.h5", reference=Path(directory) / "small_reference.h5")


def build_mri_sample_set(root: Path) -> Path:
    """The ``mri-sample`` dataset: the sample built under ``root / "mri-sample"``."""
    folder = Path(root) / "mri-sample"
    build_mri_sample(folder)
    return folder


class MRISampleSet:
    """Map-style dataset over a built mri-sample folder: item i is slice i of ``mr_full.h5``,
    ``{"kspace": (8, 256, 256) complex64 fully sampled, "maps": (8, 256, 256) complex64 true coil maps,
    "x": (1, 256, 256) float32 RSS reference}``."""

    def __init__(self, folder: Path):
        import h5py

        folder = Path(folder)
        if not (folder / "manifest.json").is_file():
            raise InputError(folder, "not a built mri-sample folder (no manifest.json): run denoisekit data build "
                                     "mri-sample")
        with h5py.File(folder / "mr_full.h5", "r") as h5:
            self.kspace = np.asarray(h5["kspace"])
            self.maps = np.asarray(h5["maps"])
            self.reference = np.asarray(h5["reconstruction_rss"])

    def __len__(self) -> int:
        return len(self.kspace)

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        return {"kspace": self.kspace[i], "maps": self.maps, "x": self.reference[i][None]}
