"""The recipe of mri/cddpm-dc's shipped weights and of the benchmark's fixed-mask baseline network.

1. ``build``: a training folder of fully sampled 8-coil fastMRI HDF5 files simulated from the real MR images
   of pydicom-data (the mri-sample's sources; never nilearn's MNI152, held out): ``MR2_UNCR.dcm`` and
   ``MR-SIEMENS-DICOM-WithOverlays.dcm`` at 256 x 256 (block means / resampling), each in its 8 flips and
   rotations, and the 10 ``emri_small.dcm`` slices at their 64 x 64; coil maps
   (:func:`denoisekit_mri.simulate.coil_maps`) rotated at random per slice, a smooth random phase, 30 dB
   k-space noise. The training reads the maps back by ESPIRiT, never these.
2. ``denoisekit train mri/cddpm-dc --data DIR/train --output OUT`` (defaults: 64 x 64 crops, batch 8, masks
   4-10x equispaced or random per element), and the baseline with one fixed 4x equispaced mask:
   ``--set mask=fixed --set acceleration_low=4``.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_cddpm_train.py build --root /tmp/mri-cddpm
    OMP_NUM_THREADS=1 .venv/bin/denoisekit train mri/cddpm-dc --data /tmp/mri-cddpm/train \
        --output /tmp/mri-cddpm/mixed --set iterations=3000
    OMP_NUM_THREADS=1 .venv/bin/denoisekit train mri/cddpm-dc --data /tmp/mri-cddpm/train \
        --output /tmp/mri-cddpm/fixed --set iterations=3000 --set mask=fixed
    cp /tmp/mri-cddpm/mixed/weights.pt plugins/mri/denoisekit_mri/weights/cddpm.pt

3. ``export``: a run stopped early (CPU time) becomes weights.pt from its newest checkpoint's EMA weights, the
   same payload ``denoisekit train`` writes at the end:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_cddpm_train.py export --run /tmp/mri-cddpm/mixed
"""

from __future__ import annotations

import argparse
from pathlib import Path

import h5py
import numpy as np
from denoisekit_mri.formats import make_header
from denoisekit_mri.sample import _resample
from denoisekit_mri.simulate import acquire, coil_maps, noise_sigma, smooth_phase

SNR_DB = 30.0


def source_slices() -> list[np.ndarray]:
    """Magnitude images scaled to max 1: 16 at 256 x 256 (two images, 8 flips / rotations each), 10 at 64 x 64."""
    import pydicom
    from pydicom.data import get_testdata_file

    def load(name: str) -> np.ndarray:
        return pydicom.dcmread(get_testdata_file(name)).pixel_array.astype(np.float64)

    def dihedral(image: np.ndarray) -> list[np.ndarray]:
        return [np.rot90(f, k) for f in (image, image[:, ::-1]) for k in range(4)]

    images = [x for name in ("MR2_UNCR.dcm", "MR-SIEMENS-DICOM-WithOverlays.dcm")
              for x in dihedral(_resample(load(name), 256))]
    images += list(load("emri_small.dcm"))
    return [np.ascontiguousarray(x / x.max()) for x in images]


def build(root: Path, seed: int = 0) -> Path:
    """Write the training folder ``root / "train"``; returns it."""
    rng = np.random.default_rng(seed)
    folder = root / "train"
    folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(source_slices()):
        maps = coil_maps(image.shape, 8, rotation=rng.uniform(0, 2 * np.pi))
        x = image * smooth_phase(image.shape, rng)
        kspace = acquire(x, maps, noise_sigma(x, SNR_DB), rng)[None].astype(np.complex64)
        with h5py.File(folder / f"slice_{i:02d}.h5", "w") as h5:
            h5.create_dataset("kspace", data=kspace)
            h5.create_dataset("ismrmrd_header", data=make_header(image.shape, image.shape).encode())
            h5.attrs["acquisition"] = "simulated from pydicom-data MR images"
    return folder


def export(run: Path) -> Path:
    """``run / "weights.pt"`` from the EMA of the newest ``run / "checkpoints" / step-*.pt``; returns it."""
    import json

    import torch
    from denoisekit_mri.cddpm_network import ConditionalEpsNet

    from denoisekit.api import load_weights

    newest = max((run / "checkpoints").glob("step-*.pt"), key=lambda p: int(p.stem.split("-")[1]))
    options = json.loads((run / "train-options.json").read_text())
    net = ConditionalEpsNet(tuple(int(c) for c in str(options["channels"]).split(",")), options["res_blocks"],
                            bool(options["attention"]), options["train_steps"])
    state = load_weights(newest)
    net.load_state_dict(state["ema"]["module"])
    payload = {**net.payload(), "training": {"mask": options["mask"], "steps": int(state["step"]),
                                             "acceleration_low": float(options["acceleration_low"]),
                                             "acceleration_high": float(options["acceleration_high"])}}
    torch.save(payload, run / "weights.pt")
    return run / "weights.pt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build", "export"))
    parser.add_argument("--root", type=Path, default=Path("/tmp/mri-cddpm"))
    parser.add_argument("--run", type=Path, help="export: a train output folder")
    args = parser.parse_args()
    print(build(args.root) if args.command == "build" else export(args.run))


if __name__ == "__main__":
    main()
