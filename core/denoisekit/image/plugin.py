"""The built-in ``image`` domain, registered as an ordinary plugin.

Only light modules are imported here: the pipeline (torch) and the demo sample (scikit-image)
load when used, and the formats import Pillow, tifffile and nibabel inside their functions.
"""

from __future__ import annotations

from denoisekit import option_presets as preset
from denoisekit.core_plugin import lazy
from denoisekit.hookspecs import hookimpl
from denoisekit.image import formats
from denoisekit.image.ddim_record import DDIM_PIPELINE
from denoisekit.records import DatasetRecord, DomainRecord, FormatRecord, Option, PipelineRecord
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


@hookimpl
def register_domains() -> list[DomainRecord]:
    return [DomainRecord(
        name="image", summary="Grayscale, colour and volumetric images (PNG, TIFF, npy, NIfTI)",
        demo_pipeline="zs-n2n", build_sample=lazy("denoisekit.image.sample:build_sample"))]


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
            name="zs-n2n", domain="image", factory=lazy("denoisekit.image.zs_n2n:ZeroShotN2N"), options=ZS_N2N_OPTIONS,
            summary="Zero-Shot Noise2Noise: a tiny CNN fitted to the noisy image (Mansour & Heckel 2023)",
            formats=("npy", "png", "tiff", "nifti"), test_config={"iterations": 30}),
        PipelineRecord(
            name="noise2score", domain="image", options=NOISE2SCORE_OPTIONS,
            factory=lazy("denoisekit.image.selfsup_pipeline:Noise2ScorePipeline"),
            summary="Noise2Score: a score network fitted to the noisy image, Tweedie's formula (Kim & Ye 2021)",
            formats=("npy", "png", "tiff", "nifti"), test_config={"iterations": 20}, check=check_noise2score),
        PipelineRecord(
            name="neighbor2neighbor", domain="image", options=NEIGHBOR2NEIGHBOR_OPTIONS,
            factory=lazy("denoisekit.image.selfsup_pipeline:Neighbor2NeighborPipeline"),
            summary="Neighbor2Neighbor: a CNN fitted to neighbour sub-images of the noisy image (Huang et al. 2021)",
            formats=("npy", "png", "tiff", "nifti"), test_config={"iterations": 20}),
        DDIM_PIPELINE,
    ]


@hookimpl
def register_datasets() -> list[DatasetRecord]:
    return [DatasetRecord(
        name="image-sample", domain="image", build=lazy("denoisekit.image.dataset:build_image_sample_set"),
        open=lazy("denoisekit.image.dataset:ImageFolder"),
        summary="148 grayscale 128x128 tiles of scikit-image's CC0/public-domain pictures, clean and sigma-25 noisy")]
