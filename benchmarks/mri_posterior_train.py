"""The recipe of mri/diffusion-posterior's shipped prior (``denoisekit_mri/weights/posterior.pt``).

1. ``build``: a training folder of complex NIfTI volumes made from the real MR images of pydicom-data (the
   mri-sample's sources; never nilearn's MNI152, which is held out for benchmarks/mri_posterior.py):
   ``MR2_UNCR.dcm`` (1024 x 1024 shoulder) by 2 x 2 and 4 x 4 block means (512, 256),
   ``MR-SIEMENS-DICOM-WithOverlays.dcm`` (484 x 484 abdomen) as it is and by 2 x 2 block means (242),
   ``emri_small.dcm`` (10 brain slices of 64 x 64) and ``MR_small.dcm`` (64 x 64) as they are and zoomed 2x;
   each image scaled to max 1 and given ``--phases`` smooth random phase maps
   (:func:`denoisekit_mri.simulate.smooth_phase`, strength drawn in [0.5, 3] rad), one NIfTI slice each.
2. ``denoisekit train mri/diffusion-posterior --data DIR/train --output OUT``: EDM's loss on random 64 x 64
   crops (flips, transposition, a random global phase), batch 16, Adam 1e-3 cosine-annealed to 1e-5 over the
   2000 planned steps, EMA 0.995, gradient clipping 1, a U-Net of width 32 (0.40 M parameters, 1.6 MB).
   The shipped weights are the ``weights.pt`` of that run (the EMA after step 2000): on the shared 2-core machine
   (one thread, load 4-10 from other jobs) the steps took 1-2.7 s; the run was interrupted at step 1200 (48
   minutes), resumed with ``--resume`` (23 minutes more). The per-batch loss (EDM-weighted) fell from 0.54
   (step 17) to 0.06-0.16 from step 1000 on.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/mri_posterior_train.py build --root /tmp/mri-posterior
    OMP_NUM_THREADS=1 .venv/bin/denoisekit train mri/diffusion-posterior --data /tmp/mri-posterior/train \
        --output /tmp/mri-posterior/prior --set iterations=2000
    cp /tmp/mri-posterior/prior/weights.pt plugins/mri/denoisekit_mri/weights/posterior.pt

``export`` writes the EMA weights of one of the run's checkpoints (``step-*.pt``) as a weights file (the payload
``denoisekit train`` writes at the end), to use a prior before training ends.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nibabel as nib
import numpy as np
from denoisekit_mri.simulate import smooth_phase


def _blocks(image: np.ndarray, factor: int) -> np.ndarray:
    h, w = (s // factor * factor for s in image.shape)
    return image[:h, :w].reshape(h // factor, factor, w // factor, factor).mean(axis=(1, 3))


def source_images() -> dict[str, list[np.ndarray]]:
    """Named groups of real magnitude images, each scaled to max 1."""
    import pydicom
    from pydicom.data import get_testdata_file
    from scipy.ndimage import zoom

    def load(name: str) -> np.ndarray:
        return pydicom.dcmread(get_testdata_file(name)).pixel_array.astype(np.float64)

    shoulder, abdomen = load("MR2_UNCR.dcm"), load("MR-SIEMENS-DICOM-WithOverlays.dcm")
    small = [*load("emri_small.dcm"), load("MR_small.dcm")]
    groups = {"shoulder512": [_blocks(shoulder, 2)], "shoulder256": [_blocks(shoulder, 4)],
              "abdomen484": [abdomen], "abdomen242": [_blocks(abdomen, 2)],
              "brain64": small, "brain128": [zoom(x, 2, order=3) for x in small]}
    return {k: [np.clip(x, 0, None) / x.max() for x in v] for k, v in groups.items()}


def build(root: Path, phases: int, seed: int = 0) -> Path:
    """Write ``root / "train"`` (one complex64 NIfTI volume per group); returns the folder."""
    rng = np.random.default_rng(seed)
    folder = root / "train"
    folder.mkdir(parents=True, exist_ok=True)
    for name, images in source_images().items():
        slices = [x * smooth_phase(x.shape, rng, strength=rng.uniform(0.5, 3.0)) for x in images for _ in range(phases)]
        volume = np.moveaxis(np.stack(slices).astype(np.complex64), 0, -1)
        nib.save(nib.Nifti1Image(volume, np.eye(4)), folder / f"{name}.nii.gz")
        print(f"{name}: {len(slices)} slices of {volume.shape[0]} x {volume.shape[1]}")
    return folder


def export(checkpoint: Path, out: Path) -> None:
    """The EMA weights of a Trainer checkpoint as the payload that ``denoisekit train`` writes."""
    import torch
    from denoisekit_mri.posterior_net import ComplexPrior

    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    weights = state["ema"]["module"] if state.get("ema") else state["model"]
    width = int(weights["net.head.weight"].shape[0])
    prior = ComplexPrior(width)
    prior.load_state_dict(weights)
    torch.save(prior.payload(), out)
    print(f"{checkpoint} (step {state['step']}) -> {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "export"])
    parser.add_argument("--root", type=Path, default=Path("/tmp/mri-posterior"))
    parser.add_argument("--phases", type=int, default=4, help="smooth phase maps per image")
    parser.add_argument("--checkpoint", type=Path, help="export: a step-*.pt of the training run")
    parser.add_argument("--out", type=Path, help="export: the weights file to write")
    args = parser.parse_args()
    if args.command == "export":
        export(args.checkpoint, args.out)
    else:
        print(build(args.root, args.phases))


if __name__ == "__main__":
    main()
