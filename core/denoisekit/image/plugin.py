"""The built-in ``image`` domain, registered as an ordinary plugin.

Only light modules are imported here: the pipeline (torch) and the demo sample (scikit-image)
load when used, and the formats import Pillow, tifffile and nibabel inside their functions.
"""

from __future__ import annotations

from pathlib import Path

from denoisekit import option_presets as preset
from denoisekit.hookspecs import hookimpl
from denoisekit.image import formats
from denoisekit.image.ddim_record import DDIM_PIPELINE
from denoisekit.pipeline import Pipeline
from denoisekit.records import DatasetRecord, DemoInputs, DomainRecord, FormatRecord, Option, PipelineRecord
from denoisekit.selfsup_options import NOISE2SCORE_OPTIONS, ZS_N2N_OPTIONS, check_noise2score

NEIGHBOR2NEIGHBOR_OPTIONS = (
    preset.iterations(1000, detail="Adam, cosine decay to lr / 10"),
    preset.patch(32),
    preset.batch(16, 256),
    preset.lr(1e-3),
    Option(name="width", default=32, minimum=1, maximum=512, help="feature channels of the 6-layer residual network"),
    Option(name="gamma", default=2.0, minimum=0.0, help="weight of the regulariser (the paper's gamma)"),
    preset.clip(),
)


def _zs_n2n() -> Pipeline:
    from denoisekit.image.zs_n2n import ZeroShotN2N

    return ZeroShotN2N()


def _noise2score() -> Pipeline:
    from denoisekit.image.selfsup_pipeline import Noise2ScorePipeline

    return Noise2ScorePipeline()


def _neighbor2neighbor() -> Pipeline:
    from denoisekit.image.selfsup_pipeline import Neighbor2NeighborPipeline

    return Neighbor2NeighborPipeline()


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
        PipelineRecord(
            name="noise2score", domain="image", factory=_noise2score, options=NOISE2SCORE_OPTIONS,
            summary="Noise2Score: a score network fitted to the noisy image, Tweedie's formula (Kim & Ye 2021)",
            formats=("npy", "png", "tiff", "nifti"), test_config={"iterations": 20}, check=check_noise2score),
        PipelineRecord(
            name="neighbor2neighbor", domain="image", factory=_neighbor2neighbor, options=NEIGHBOR2NEIGHBOR_OPTIONS,
            summary="Neighbor2Neighbor: a CNN fitted to neighbour sub-images of the noisy image (Huang et al. 2021)",
            formats=("npy", "png", "tiff", "nifti"), test_config={"iterations": 20}),
        DDIM_PIPELINE,
    ]


@hookimpl
def register_datasets() -> list[DatasetRecord]:
    return [DatasetRecord(
        name="image-sample", domain="image", build=_build_image_sample_set, open=_open_image_folder,
        summary="148 grayscale 128x128 tiles of scikit-image's CC0/public-domain pictures, clean and sigma-25 noisy")]
