"""Records of the ct plugin's I/O, projector and reconstruction side (gathered by plugin.py):
the ``ct`` domain and its sample, the DICOM formats, the ``ct/fbp`` pipeline, the CT metrics, the
``ct-sample`` dataset and the CT projectors. Only light modules are imported here; torch, pydicom
and scipy load inside the factories.
"""

from __future__ import annotations

from pathlib import Path

from denoisekit.core_plugin import lazy
from denoisekit.pipeline import Pipeline
from denoisekit.records import (
    DatasetRecord,
    DemoInputs,
    DomainRecord,
    FormatRecord,
    MetricRecord,
    OperatorRecord,
    Option,
    PipelineRecord,
)

_FMT = "denoisekit_ct.dicom_format"
_MET = "denoisekit_ct.ct_metrics"
_PROJ = "denoisekit_ct.projector"


def _build_sample(directory: Path) -> DemoInputs:
    from denoisekit_ct.sample import build_ct_sample

    return build_ct_sample(directory)


def _fbp() -> Pipeline:
    from denoisekit_ct.fbp_pipeline import FBPPipeline

    return FBPPipeline()


DOMAINS = [DomainRecord(
    name="ct", summary="Low-dose CT: DICOM slices and series in HU, sinograms, a differentiable projector",
    demo_pipeline="filter2noise", build_sample=_build_sample)]

FORMATS = [
    FormatRecord(name="dicom", summary="One DICOM CT slice (.dcm, .ima) in HU via RescaleSlope/Intercept (pydicom)",
                 suffixes=(".dcm", ".ima"), read=lazy(f"{_FMT}:read_dicom"), write=lazy(f"{_FMT}:write_dicom"),
                 example=lazy(f"{_FMT}:example_dicom")),
    FormatRecord(name="dicom-series", summary="A folder holding one DICOM CT series, slices sorted along the normal",
                 suffixes=(), directory=True, read=lazy(f"{_FMT}:read_dicom_series"),
                 write=lazy(f"{_FMT}:write_dicom_series"), example=lazy(f"{_FMT}:example_dicom_series")),
]

FBP_OPTIONS = (
    Option(name="geometry", default="parallel", choices=("parallel", "fan-flat", "fan-equiangular"),
           help="acquisition: parallel beam, or fan beam with a flat or an equiangular (curved) detector"),
    Option(name="filter", default="ramp", choices=("ramp", "shepp-logan", "cosine", "hann"),
           help="FBP filter: Ram-Lak ramp, or the ramp apodised by a Shepp-Logan, cosine or Hann window"),
    Option(name="views", default=0, minimum=0, maximum=100000,
           help="number of views (sinogram rows); 0 takes the array's, otherwise it must match"),
    Option(name="detectors", default=0, minimum=0, maximum=100000,
           help="number of detector bins (sinogram columns); 0 takes the array's, otherwise it must match"),
    Option(name="angle_range_deg", default=0.0, minimum=0.0, maximum=360.0,
           help="angle covered by the views in degrees; 0 means 180 (parallel) or 360 (fan; a fan-beam short scan "
                "needs 180 + the fan angle and is Parker-weighted)"),
    Option(name="angle_start_deg", default=0.0, minimum=-360.0, maximum=360.0, help="angle of the first view, degrees"),
    Option(name="detector_spacing", default=1.0, minimum=1e-6, maximum=1e6,
           help="bin width (mm or any length unit; for fan-equiangular the arc length on the detector)"),
    Option(name="pixel_size", default=1.0, minimum=1e-6, maximum=1e6,
           help="output pixel size in the same unit; the image is then attenuation per unit"),
    Option(name="size", default=0, minimum=0, maximum=8192,
           help="output side in pixels; 0 fits the largest square inside the field of view"),
    Option(name="source_distance", default=595.0, minimum=0.0, maximum=1e6,
           help="fan beam: source to isocentre distance (same unit)"),
    Option(name="detector_distance", default=1085.6, minimum=0.0, maximum=1e6,
           help="fan beam: source to detector distance (same unit)"),
)

PIPELINES = [PipelineRecord(
    name="fbp", domain="ct", factory=_fbp, options=FBP_OPTIONS, formats=("npy",), same_shape=False,
    metrics=("psnr", "ssim", "nmse"), sample=lazy("denoisekit_ct.fbp_pipeline:build_fbp_sample"),
    summary="Filtered back-projection of parallel- or fan-beam sinograms (Kak & Slaney ch. 3)")]

METRICS = [
    MetricRecord(name="ct_psnr", summary="PSNR on HU clipped to [-160, 240], data range 400 (RED-CNN convention)",
                 fn=lazy(f"{_MET}:ct_psnr")),
    MetricRecord(name="ct_ssim", summary="SSIM on HU clipped to [-160, 240], data range 400 (RED-CNN convention)",
                 fn=lazy(f"{_MET}:ct_ssim")),
    MetricRecord(name="ct_psnr_brain", summary="PSNR in the neuro window C40/W80 mapped to [0, 1] (ldct-benchmark)",
                 fn=lazy(f"{_MET}:ct_psnr_brain")),
    MetricRecord(name="ct_ssim_brain", summary="SSIM in the neuro window C40/W80 mapped to [0, 1] (ldct-benchmark)",
                 fn=lazy(f"{_MET}:ct_ssim_brain")),
    MetricRecord(name="ct_noise_std", higher_is_better=False,
                 summary="Std (HU) of the estimate in the reference's most uniform 32x32 window inside the body",
                 fn=lazy(f"{_MET}:ct_noise_std")),
]

DATASETS = [DatasetRecord(
    name="ct-sample", domain="ct", build=lazy("denoisekit_ct.sample:build_ct_sample_set"),
    open=lazy("denoisekit_ct.sample:CTSampleSet"),
    summary="A real 512x512 head CT slice (pydicom-data) with simulated low-dose versions at 3 doses, DICOM")]

OPERATORS = [
    OperatorRecord(name="ct-parallel-beam", summary="Parallel-beam CT projector (Joseph), exact adjoint, pure torch",
                   factory=lazy(f"{_PROJ}:parallel_beam_projector"), example=lazy(f"{_PROJ}:example_parallel")),
    OperatorRecord(name="ct-fan-beam", summary="Fan-beam CT projector (flat/equiangular detector), exact adjoint",
                   factory=lazy(f"{_PROJ}:fan_beam_projector"), example=lazy(f"{_PROJ}:example_fan")),
]
