"""The recipe of mri/noise2recon's shipped weights and of the supervised baseline of benchmarks/mri_learned.py.

1. ``build``: a training folder of fastMRI HDF5 files simulated from the real MR images of pydicom-data (the
   mri-sample's sources; never nilearn's MNI152, held out): ``MR2_UNCR.dcm`` and
   ``MR-SIEMENS-DICOM-WithOverlays.dcm`` at ``--size`` (block means / resampling), each in its 8 flips and
   rotations, and the 10 ``emri_small.dcm`` brain slices resampled to ``--size``; 8 coils
   (:func:`denoisekit_mri.simulate.coil_maps`, rotated per slice), a smooth random phase, 30 dB k-space noise.
   The 8 MR2 slices are fully sampled (labelled); the 18 others are unlabelled, stored undersampled with their
   ``mask`` (fastMRI 4x equispaced / 8 % or 8x random / 4 %, alternating).
2. ``denoisekit train mri/noise2recon --data DIR/train --output OUT`` (defaults: lambda 0.1, extra noise
   sigma ~ U(0, 0.05) of the image max, masks 4x / 8x), and the same with ``--set weight=0`` (supervised only).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_learned_train.py build --root /tmp/mri-learned --size 128
    OMP_NUM_THREADS=1 .venv/bin/denoisekit train mri/noise2recon --data /tmp/mri-learned/train \
        --output /tmp/mri-learned/n2r --set iterations=800
    OMP_NUM_THREADS=1 .venv/bin/denoisekit train mri/noise2recon --data /tmp/mri-learned/train \
        --output /tmp/mri-learned/sup --set iterations=800 --set weight=0
"""

from __future__ import annotations

import argparse
from pathlib import Path

import h5py
import numpy as np
from denoisekit_mri.formats import make_header
from denoisekit_mri.masks import equispaced_lines, random_lines
from denoisekit_mri.simulate import acquire, coil_maps, noise_sigma, smooth_phase

SNR_DB = 30.0


def _resample(image: np.ndarray, size: int) -> np.ndarray:
    from scipy.ndimage import zoom

    image = image[: min(image.shape), : min(image.shape)]
    return zoom(image, size / image.shape[0], order=1)[:size, :size]


def source_slices(size: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(labelled, unlabelled) magnitude images scaled to max 1."""
    import pydicom
    from pydicom.data import get_testdata_file

    def load(name: str) -> np.ndarray:
        return pydicom.dcmread(get_testdata_file(name)).pixel_array.astype(np.float64)

    def dihedral(image: np.ndarray) -> list[np.ndarray]:
        return [np.rot90(f, k) for f in (image, image[:, ::-1]) for k in range(4)]

    def norm(image: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(image / image.max())

    labelled = [norm(x) for x in dihedral(_resample(load("MR2_UNCR.dcm"), size))]
    unlabelled = [norm(x) for x in dihedral(_resample(load("MR-SIEMENS-DICOM-WithOverlays.dcm"), size))]
    unlabelled += [norm(_resample(x, size)) for x in load("emri_small.dcm")]
    return labelled, unlabelled


def _write(path: Path, kspace: np.ndarray, mask: np.ndarray | None) -> None:
    h, w = kspace.shape[-2:]
    with h5py.File(path, "w") as h5:
        h5.create_dataset("kspace", data=kspace)
        if mask is not None:
            h5.create_dataset("mask", data=mask)
        h5.create_dataset("ismrmrd_header", data=make_header((h, w), (h, w)).encode())
        h5.attrs["acquisition"] = "simulated from pydicom-data MR images"


def build(root: Path, size: int, seed: int = 0) -> Path:
    """Write the training folder ``root / "train"``; returns it."""
    rng = np.random.default_rng(seed)
    folder = root / "train"
    folder.mkdir(parents=True, exist_ok=True)
    labelled, unlabelled = source_slices(size)
    for kind, images in (("labelled", labelled), ("unlabelled", unlabelled)):
        for i, image in enumerate(images):
            maps = coil_maps((size, size), 8, rotation=rng.uniform(0, 2 * np.pi))
            x = image * smooth_phase(image.shape, rng)
            kspace = acquire(x, maps, noise_sigma(x, SNR_DB), rng)[None]
            mask = None
            if kind == "unlabelled":
                function, accel, centre = (equispaced_lines, 4, 0.08) if i % 2 == 0 else (random_lines, 8, 0.04)
                mask, _ = function(size, accel, centre, rng)
                kspace = kspace * mask
            _write(folder / f"{kind}_{i:02d}.h5", kspace.astype(np.complex64), mask)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build",))
    parser.add_argument("--root", type=Path, default=Path("/tmp/mri-learned"))
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args()
    print(build(args.root, args.size))


if __name__ == "__main__":
    main()
