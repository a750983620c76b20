"""Magnitude volumes for mri/disgan: simulated brain-like phantoms, volumes swept from the real MR slices of
pydicom-data, the tiny NIfTI pair of the conformance kit, and the training folder of the shipped weights.

No package here ships a real 3-D MR volume that is not held out (nilearn's MNI152 is evaluation only), so
training volumes are built two ways, both with edges in every 3-D orientation:

- phantoms: nested random ellipsoids (skull shell, CSF, grey and white matter, ventricles, small lesions)
  with a smooth multiplicative texture, on a rotated grid;
- sweeps: a real slice (``MR2_UNCR.dcm`` 1024^2 -> 256^2, ``MR-SIEMENS-DICOM-WithOverlays.dcm`` 484^2 -> 242^2,
  ``emri_small.dcm``'s ten 64^2 brain slices) cropped and moved along a third axis by a slow sub-voxel shift
  and rotation per slice, so its structures become oblique tubes and sheets; then the axes are permuted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from denoisekit.api import DemoInputs

SAMPLE_SHAPE = (16, 16, 16)  # the conformance kit's HR reference (D, H, W); its input is half that


def _rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((3, 3)))
    return q * np.sign(np.diag(r))


def _smooth_field(shape: tuple[int, ...], rng: np.random.Generator, sigma: float) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    field = gaussian_filter(rng.standard_normal(shape), sigma, mode="wrap")
    return field / (field.std() or 1.0)


def phantom(shape: tuple[int, int, int], rng: np.random.Generator) -> np.ndarray:
    """A brain-like magnitude volume in [0, 1] of ``shape`` (D, H, W)."""
    grid = np.stack(np.meshgrid(*[np.linspace(-1, 1, n) for n in shape], indexing="ij"), axis=-1)
    coords = grid @ _rotation(rng).T
    radii = rng.uniform(0.75, 0.95, 3)

    def inside(centre: np.ndarray, axes: np.ndarray) -> np.ndarray:
        return (((coords - centre) / axes) ** 2).sum(-1) <= 1.0

    zero = np.zeros(3)
    volume = np.zeros(shape)
    volume[inside(zero, radii)] = rng.uniform(0.6, 0.9)                       # skull / scalp
    volume[inside(zero, radii * 0.9)] = rng.uniform(0.15, 0.3)                # CSF
    grey = inside(zero, radii * rng.uniform(0.8, 0.86))
    volume[grey] = rng.uniform(0.45, 0.6)
    white = inside(zero, radii * rng.uniform(0.55, 0.7)) & (_smooth_field(shape, rng, 3.0) > -0.6)
    volume[white] = rng.uniform(0.7, 0.85)
    for _ in range(rng.integers(1, 3)):                                          # ventricles
        volume[inside(rng.uniform(-0.15, 0.15, 3), radii * rng.uniform([0.1, 0.05, 0.2], [0.2, 0.12, 0.35]))] = 0.2
    for _ in range(rng.integers(2, 7)):                                          # lesions / small structures
        volume[inside(rng.uniform(-0.5, 0.5, 3), rng.uniform(0.03, 0.12, 3)) & grey] = rng.uniform(0.1, 1.0)
    from scipy.ndimage import gaussian_filter

    volume = gaussian_filter(volume * (1.0 + 0.05 * _smooth_field(shape, rng, 1.5)), 0.6)  # partial volume
    return np.clip(volume, 0.0, None) / max(float(volume.max()), 1e-6)


def real_slices() -> list[np.ndarray]:
    """The real MR slices of pydicom-data, each scaled to a maximum of 1 (see the module docstring)."""
    import pydicom
    from pydicom.data import get_testdata_file

    def load(name: str) -> np.ndarray:
        return pydicom.dcmread(get_testdata_file(name)).pixel_array.astype(np.float64)

    def block_mean(image: np.ndarray, f: int) -> np.ndarray:
        h, w = (image.shape[0] // f) * f, (image.shape[1] // f) * f
        return image[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3))

    images = [block_mean(load("MR2_UNCR.dcm"), 4), block_mean(load("MR-SIEMENS-DICOM-WithOverlays.dcm"), 2)]
    images += list(load("emri_small.dcm"))
    return [im / im.max() for im in images]


def sweep(image: np.ndarray, shape: tuple[int, int, int], rng: np.random.Generator) -> np.ndarray:
    """A volume of ``shape`` swept from a random crop of the 2-D ``image`` (shift and rotation per slice)."""
    from scipy.ndimage import affine_transform

    depth, size = shape[0], shape[1:]
    h, w = image.shape
    shift = rng.uniform(-0.8, 0.8, 2)           # pixels per slice
    turn = rng.uniform(-0.02, 0.02)             # radians per slice
    centre = np.array([rng.uniform(size[0] / 2, max(h - size[0] / 2, size[0] / 2 + 1)),
                       rng.uniform(size[1] / 2, max(w - size[1] / 2, size[1] / 2 + 1))])
    slices = []
    for z in range(depth):
        t = (z - depth / 2)
        c, s = np.cos(turn * t), np.sin(turn * t)
        matrix = np.array([[c, -s], [s, c]])
        offset = centre + shift * t - matrix @ (np.array(size) / 2)
        slices.append(affine_transform(image, matrix, offset=offset, output_shape=size, order=3, mode="reflect"))
    volume = np.clip(np.stack(slices), 0.0, None)
    volume = np.transpose(volume, rng.permutation(3))
    return volume / max(float(volume.max()), 1e-6)


def training_volumes(count: int, shape: tuple[int, int, int], seed: int = 0) -> list[np.ndarray]:
    """``count`` volumes (half phantoms, half sweeps of the real slices), float32, each of ``shape`` up to the
    sweep's axis permutation."""
    rng = np.random.default_rng(seed)
    slices = real_slices()
    volumes = []
    for i in range(count):
        if i % 2 == 0:
            volumes.append(phantom(shape, rng))
        else:
            image = slices[rng.integers(len(slices))]
            size = (shape[0], min(shape[1], image.shape[0]), min(shape[2], image.shape[1]))
            volumes.append(sweep(image, size, rng))
    return [v.astype(np.float32) for v in volumes]


def write_volume(path: Path, volume: np.ndarray, voxel: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> None:
    """A (D, H, W) volume as a NIfTI (x, y, z) = (H, W, D) float32 file with the voxel size (x, y, z)."""
    import nibabel as nib

    nib.save(nib.Nifti1Image(np.moveaxis(volume.astype(np.float32), 0, -1), np.diag([*voxel, 1.0])), Path(path))


def build_training_folder(folder: Path, count: int, shape: tuple[int, int, int], seed: int = 0) -> Path:
    """``count`` training volumes written as ``vol_XX.nii.gz`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i, volume in enumerate(training_volumes(count, shape, seed)):
        write_volume(folder / f"vol_{i:02d}.nii.gz", volume)
    return folder


def build_disgan_sample(directory: Path) -> DemoInputs:
    """The conformance kit's pair: a 16^3 phantom (1 mm, the reference) and its k-space truncation to 8^3 (2 mm,
    the input)."""
    import torch

    from denoisekit_mri.volume_kspace import truncate

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    reference, low = directory / "disgan_reference.nii.gz", directory / "disgan_input.nii.gz"
    if not (reference.is_file() and low.is_file()):
        hr = phantom(SAMPLE_SHAPE, np.random.default_rng(7)).astype(np.float32)
        write_volume(reference, hr)
        write_volume(low, truncate(torch.from_numpy(hr), (2, 2, 2)).numpy(), (2.0, 2.0, 2.0))
    return DemoInputs(input=low, reference=reference)
