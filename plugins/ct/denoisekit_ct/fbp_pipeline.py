"""The ``ct/fbp`` pipeline: a sinogram (.npy, views x detectors, or a stack of them) -> FBP image(s).

The geometry comes from the options (:mod:`denoisekit_ct.geometry` conventions); the number of views
and detector bins is the array's unless the options state them, in which case they must match.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import DemoInputs, InputError, PipelineResult, RunContext, Sample, UserError


def geometry_from_config(config: Mapping[str, Any], views: int, detectors: int):
    """The :class:`~denoisekit_ct.geometry.Geometry` the options describe for a views x detectors sinogram."""
    from denoisekit_ct.geometry import Geometry

    kind = config["geometry"]
    fan = kind != "parallel"
    spacing = float(config["detector_spacing"])
    pixel = float(config["pixel_size"])
    sid, sdd = float(config["source_distance"]), float(config["detector_distance"])
    iso_spacing = spacing * sid / sdd if fan else spacing  # a bin's width at the isocentre
    if kind == "fan-equiangular":  # the field of view's diameter is 2 R sin(half fan angle)
        fov = 2 * sid * math.sin(min(detectors * spacing / sdd, math.pi) / 2)
    else:
        fov = detectors * iso_spacing
    size = int(config["size"]) or max(1, math.floor(fov / (math.sqrt(2) * pixel)))
    range_deg = float(config["angle_range_deg"]) or (360.0 if fan else 180.0)
    try:
        return Geometry(kind, (size, size), views, detectors, spacing, pixel, math.radians(range_deg),
                        math.radians(float(config["angle_start_deg"])), sid if fan else 0.0, sdd if fan else 0.0)
    except ValueError as e:
        raise UserError(f"ct/fbp: {e}") from None


class FBPPipeline:
    """Filtered back-projection of each sinogram of the input (``HW`` = views x detectors, ``DHW`` a stack)."""

    def __call__(self, sample: Sample, config: Mapping[str, Any], ctx: RunContext) -> PipelineResult:
        import torch

        from denoisekit_ct.fbp import angular_step, fbp

        path = sample.path or "input"
        if sample.axes not in ("HW", "DHW"):
            raise InputError(path, f"axes {sample.axes!r}: a sinogram is views x detectors (HW) or a stack (DHW)")
        if not np.issubdtype(sample.array.dtype, np.number) or np.iscomplexobj(sample.array):
            raise InputError(path, f"a sinogram must hold real numbers, not {sample.array.dtype}")
        if not np.all(np.isfinite(sample.array)):
            raise InputError(path, "sinogram holds NaN or Inf values")
        views, detectors = sample.array.shape[-2:]
        for name, found in (("views", views), ("detectors", detectors)):
            if config[name] and config[name] != found:
                raise InputError(path, f"sinogram has {views} views x {detectors} detector bins, "
                                       f"but the options say {name}={config[name]}")
        geometry = geometry_from_config(config, views, detectors)
        try:
            angular_step(geometry)
        except ValueError as e:
            raise UserError(f"ct/fbp: {e}") from None
        stack = sample.array.reshape(-1, views, detectors)
        images = []
        with torch.no_grad():
            for sinogram in ctx.progress(stack, "FBP", total=len(stack)):
                t = torch.as_tensor(np.asarray(sinogram, dtype=np.float32), device=ctx.device)
                images.append(fbp(t, geometry, config["filter"]).cpu().numpy())
        described = (f"{geometry.kind}, {views} views over {config['angle_range_deg'] or 'default'} deg, "
                     f"{detectors} bins of {geometry.detector_spacing:g}, "
                     f"image {geometry.image_shape[0]}^2 of pixel {geometry.pixel_size:g}")
        array = np.stack(images) if sample.axes == "DHW" else images[0]
        meta = {**{k: v for k, v in sample.meta.items() if k != "dtype"}, "dtype": "<f4"}
        return PipelineResult(Sample(array.astype(np.float32), sample.axes, sample.format, meta, None, sample.path,
                                     description=f"FBP ({config['filter']}, {geometry.kind})"),
                              notes={"geometry": described})


def build_fbp_sample(directory: Path) -> DemoInputs:
    """A sinogram to reconstruct with ``ct/fbp``'s defaults and its reference image: the 64x64 Shepp-Logan
    phantom (scikit-image), parallel beam, 90 views over 180 deg, 91 one-pixel bins, as ``sinogram.npy``
    (float32, views x detectors) and ``phantom.npy`` (float32, 64 x 64: the default output size)."""
    import torch
    from skimage.data import shepp_logan_phantom
    from skimage.transform import resize

    from denoisekit_ct.geometry import parallel_beam
    from denoisekit_ct.projector import CTProjector

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    phantom = resize(shepp_logan_phantom(), (64, 64), anti_aliasing=True).astype(np.float32)
    g = parallel_beam((64, 64), 90, detectors=91)
    with torch.no_grad():
        sinogram = CTProjector(g).A(torch.from_numpy(phantom)).numpy()
    paths = {"sinogram": directory / "sinogram.npy", "phantom": directory / "phantom.npy"}
    for name, array in (("sinogram", sinogram), ("phantom", phantom)):
        np.save(paths[name], array.astype(np.float32), allow_pickle=False)
    return DemoInputs(input=paths["sinogram"], reference=paths["phantom"])
