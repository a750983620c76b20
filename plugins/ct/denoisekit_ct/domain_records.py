"""Records of the ct domain (gathered by plugin.py): the ``ct`` domain and its sample, the DICOM formats, the
CT metrics, the ``ct-sample`` dataset and the CT projectors. Only ``denoisekit.api`` is imported here; torch,
pydicom and scipy load inside the factories.
"""

from __future__ import annotations

from denoisekit.api import DatasetRecord, DomainRecord, FormatRecord, MetricRecord, OperatorRecord, lazy

_FMT = "denoisekit_ct.dicom_format"
_MET = "denoisekit_ct.ct_metrics"
_PROJ = "denoisekit_ct.projector"

DOMAIN = DomainRecord(
    name="ct", summary="Low-dose CT: DICOM slices and series in HU, sinograms, a differentiable projector",
    demo_pipeline="filter2noise", build_sample=lazy("denoisekit_ct.sample:build_ct_sample"))

FORMATS = [
    FormatRecord(name="dicom", summary="One DICOM CT slice (.dcm, .ima) in HU via RescaleSlope/Intercept (pydicom)",
                 suffixes=(".dcm", ".ima"), read=lazy(f"{_FMT}:read_dicom"), write=lazy(f"{_FMT}:write_dicom"),
                 example=lazy(f"{_FMT}:example_dicom")),
    FormatRecord(name="dicom-series", summary="A folder holding one DICOM CT series, slices sorted along the normal",
                 suffixes=(), directory=True, read=lazy(f"{_FMT}:read_dicom_series"),
                 write=lazy(f"{_FMT}:write_dicom_series"), example=lazy(f"{_FMT}:example_dicom_series")),
]

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
