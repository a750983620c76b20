"""The built-in ``image`` domain, registered as an ordinary plugin.

Only light modules are imported here: the pipeline (torch) and the demo sample (scikit-image)
load when used, and the formats import Pillow, tifffile and nibabel inside their functions.
"""

from __future__ import annotations

from pathlib import Path

from denoisekit.hookspecs import hookimpl
from denoisekit.image import formats
from denoisekit.pipeline import Pipeline
from denoisekit.records import DatasetRecord, DemoInputs, DomainRecord, FormatRecord, Option, PipelineRecord

ZS_N2N_OPTIONS = (
    Option(name="iterations", default=2000, minimum=1, help="training iterations (Adam steps)"),
    Option(name="lr", default=1e-3, minimum=0.0, help="Adam learning rate"),
    Option(name="lr_step", default=1500, minimum=1, help="iterations after which the learning rate halves"),
    Option(name="channels", default=48, minimum=1, help="feature channels of the two hidden conv layers"),
    Option(name="clip", default=True,
           help="clip the output to the integer dtype's range, or to the input's [min, max] for floats"),
)


def _zs_n2n() -> Pipeline:
    from denoisekit.image.zs_n2n import ZeroShotN2N

    return ZeroShotN2N()


def _build_sample(directory: Path) -> DemoInputs:
    from denoisekit.image.sample import build_sample

    return build_sample(directory)


def _build_image_sample_set(root: Path) -> Path:
    from denoisekit.image.dataset import build_image_sample_set

    return build_image_sample_set(root)


def _open_image_folder(folder: Path):
    from denoisekit.image.dataset import ImageFolder

    return ImageFolder(folder)


@hookimpl
def register_domains() -> list[DomainRecord]:
    return [DomainRecord(
        name="image", summary="Grayscale, colour and volumetric images (PNG, TIFF, npy, NIfTI)",
        demo_pipeline="zs-n2n", build_sample=_build_sample)]


@hookimpl
def register_formats() -> list[FormatRecord]:
    return [
        FormatRecord(name="npy", summary="NumPy .npy array (HW, HWC or DHW; no pickles)",
                     suffixes=(".npy",), read=formats.read_npy, write=formats.write_npy,
                     example=formats.example_npy),
        FormatRecord(name="png", summary="8/16-bit PNG image, grayscale or RGB(A) (Pillow)",
                     suffixes=(".png",), read=formats.read_png, write=formats.write_png,
                     example=formats.example_png),
        FormatRecord(name="tiff", summary="TIFF image or page stack (tifffile)",
                     suffixes=(".tif", ".tiff"), read=formats.read_tiff, write=formats.write_tiff,
                     example=formats.example_tiff),
        FormatRecord(name="nifti", summary="NIfTI-1/2 image or volume, affine and header kept (nibabel)",
                     suffixes=(".nii", ".nii.gz"), read=formats.read_nifti, write=formats.write_nifti,
                     example=formats.example_nifti),
    ]


@hookimpl
def register_pipelines() -> list[PipelineRecord]:
    return [
        PipelineRecord(
            name="zs-n2n", domain="image", factory=_zs_n2n, options=ZS_N2N_OPTIONS,
            summary="Zero-Shot Noise2Noise: a tiny CNN fitted to the noisy image (Mansour & Heckel 2023)",
            formats=("npy", "png", "tiff", "nifti"), test_config={"iterations": 30}),
    ]


@hookimpl
def register_datasets() -> list[DatasetRecord]:
    return [DatasetRecord(
        name="image-sample", domain="image", build=_build_image_sample_set, open=_open_image_folder,
        summary="148 grayscale 128x128 tiles of scikit-image's CC0/public-domain pictures, clean and sigma-25 noisy")]
