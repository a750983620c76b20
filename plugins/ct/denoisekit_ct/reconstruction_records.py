"""The reconstruction pipeline of the ct plugin (gathered by plugin.py): ``ct/fbp``, filtered back-projection
of parallel- and fan-beam sinograms. Light: the pipeline imports torch when it runs."""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, lazy

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
    name="fbp", domain="ct", factory=lazy("denoisekit_ct.fbp_pipeline:FBPPipeline"), options=FBP_OPTIONS,
    formats=("npy",), same_shape=False, metrics=("psnr", "ssim", "nmse"),
    sample=lazy("denoisekit_ct.fbp_pipeline:build_fbp_sample"),
    summary="Filtered back-projection of parallel- or fan-beam sinograms (Kak & Slaney ch. 3)")]
