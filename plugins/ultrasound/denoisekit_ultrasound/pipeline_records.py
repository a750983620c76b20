"""The ultrasound pipelines (gathered by plugin.py): ``ultrasound/nlm`` and ``ultrasound/svd-filter`` (the
baselines) and ``ultrasound/dehaze-diffusion``. Only ``denoisekit.api`` is imported here."""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, lazy

US_FORMATS = ("zea", "us-dicom")
US_METRICS = ("us_gcnr", "us_cnr", "us_ks_myocardium", "us_psnr_db")

NLM_OPTIONS = (
    Option(name="strength", default=0.8, minimum=0.01, maximum=10.0,
           help="h = strength * sigma, sigma estimated from the dB image (scikit-image's suggestion: 0.8)"),
    Option(name="patch_size", default=5, minimum=3, maximum=15, help="side of the compared patches, pixels"),
    Option(name="patch_distance", default=6, minimum=1, maximum=30, help="search radius, pixels"),
)

SVD_OPTIONS = (
    Option(name="rank", default=0, minimum=0, maximum=1000,
           help="leading singular components removed (0: the elbow of the log singular-value curve)"),
)

PIPELINES = [
    PipelineRecord(name="nlm", domain="ultrasound", factory=lazy("denoisekit_ultrasound.nlm:NLMPipeline"),
                   options=NLM_OPTIONS, formats=US_FORMATS, metrics=US_METRICS,
                   summary="Non-local means on the log-compressed (dB) B-mode image (a baseline)"),
    PipelineRecord(name="svd-filter", domain="ultrasound",
                   factory=lazy("denoisekit_ultrasound.svd_filter:SVDFilterPipeline"), options=SVD_OPTIONS,
                   formats=US_FORMATS, metrics=US_METRICS,
                   sample=lazy("denoisekit_ultrasound.datasets:build_sequence_sample"),
                   summary="Spatiotemporal SVD clutter filter of a frame sequence (Demene et al. 2015; a baseline)"),
]
