"""2-D CT acquisition geometries: parallel beam and fan beam (flat or equiangular detector).

Coordinates (shared by the projector, the FBP and the pipelines). The image is centred on the
isocentre; pixel (i, j) of an H x W image has its centre at x = (j - (W - 1) / 2) * pixel_size,
y = (i - (H - 1) / 2) * pixel_size (rows go along +y). For the view angle t the detector axis is
e = (cos t, sin t) and the central ray runs along d = (-sin t, cos t). Detector bin u has its
centre at s_u = (u - (U - 1) / 2) * detector_spacing along e.

- parallel: the ray of bin u is {s_u e + l d}; angles t_v = start + v * range / V (default 180 deg).
- fan (``fan-flat``, ``fan-equiangular``): the source sits at -R d (R = source_distance), the
  detector is D = detector_distance away from the source (so D - R behind the isocentre), default
  range 360 deg. A flat detector has bin u at -R d + D d + s_u e; an equiangular (curved) one has
  bin u at the fan angle g_u = s_u / D (``detector_spacing`` is the arc length on the detector).

Lengths are in one unit (mm for DICOM data, pixels by default): line integrals of an image of
attenuation coefficients per unit length are then dimensionless.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

KINDS = ("parallel", "fan-flat", "fan-equiangular")


@dataclass(frozen=True)
class Geometry:
    """An acquisition: image grid, views and detector. Build one with :func:`parallel_beam` or
    :func:`fan_beam`; ``angle_range`` and ``angle_start`` are in radians."""

    kind: str
    image_shape: tuple[int, int]
    views: int
    detectors: int
    detector_spacing: float = 1.0
    pixel_size: float = 1.0
    angle_range: float = math.pi
    angle_start: float = 0.0
    source_distance: float = 0.0
    detector_distance: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"geometry kind {self.kind!r} is not one of {KINDS}")
        h, w = self.image_shape
        if min(h, w, self.views, self.detectors) < 1:
            raise ValueError("image sides, views and detectors must be positive")
        if self.detector_spacing <= 0 or self.pixel_size <= 0 or self.angle_range <= 0:
            raise ValueError("detector spacing, pixel size and angle range must be positive")
        if self.is_fan:
            radius = 0.5 * math.hypot(h, w) * self.pixel_size
            if self.source_distance <= radius:
                raise ValueError(f"source distance {self.source_distance} must exceed the image's radius {radius:.4g}")
            if self.detector_distance <= self.source_distance:
                raise ValueError("detector distance (source to detector) must exceed the source distance")

    @property
    def is_fan(self) -> bool:
        return self.kind != "parallel"

    @property
    def sinogram_shape(self) -> tuple[int, int]:
        return (self.views, self.detectors)

    def angles(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> torch.Tensor:
        import torch

        v = torch.arange(self.views, device=device, dtype=torch.float64)
        return (self.angle_start + v * (self.angle_range / self.views)).to(dtype or torch.float64)

    def detector_positions(self, device: torch.device | str | None = None) -> torch.Tensor:
        """s_u in length units (float64)."""
        import torch

        u = torch.arange(self.detectors, device=device, dtype=torch.float64)
        return (u - (self.detectors - 1) / 2) * self.detector_spacing


def default_detectors(image_shape: tuple[int, int], pixel_size: float = 1.0, detector_spacing: float | None = None,
                      magnification: float = 1.0) -> int:
    """Enough bins to cover the image's diagonal (odd count, so a bin sits on the central ray)."""
    spacing = detector_spacing or pixel_size * magnification
    n = math.ceil(math.hypot(*image_shape) * pixel_size * magnification / spacing)
    return n + 1 - n % 2


def parallel_beam(image_shape: tuple[int, int], views: int, *, detectors: int | None = None,
                  detector_spacing: float | None = None, pixel_size: float = 1.0,
                  angle_range: float = math.pi, angle_start: float = 0.0) -> Geometry:
    """Parallel beam; by default 180 deg and detector bins as wide as a pixel covering the diagonal."""
    spacing = detector_spacing or pixel_size
    detectors = detectors or default_detectors(tuple(image_shape), pixel_size, spacing)
    return Geometry("parallel", tuple(image_shape), views, detectors, spacing, pixel_size, angle_range, angle_start)


def fan_beam(image_shape: tuple[int, int], views: int, *, source_distance: float, detector_distance: float,
             detector: str = "flat", detectors: int | None = None, detector_spacing: float | None = None,
             pixel_size: float = 1.0, angle_range: float = 2 * math.pi, angle_start: float = 0.0) -> Geometry:
    """Fan beam over 360 deg by default; bins default to a pixel magnified onto the detector.

    detector: ``flat`` or ``equiangular``.
    """
    if detector not in ("flat", "equiangular"):
        raise ValueError(f"detector must be 'flat' or 'equiangular', not {detector!r}")
    magnification = detector_distance / source_distance
    spacing = detector_spacing or pixel_size * magnification
    detectors = detectors or default_detectors(tuple(image_shape), pixel_size, spacing, magnification)
    return Geometry(f"fan-{detector}", tuple(image_shape), views, detectors, spacing, pixel_size, angle_range,
                    angle_start, source_distance, detector_distance)


def rays(geometry: Geometry, views: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A point on each ray and its unit direction, (len(views), U, 2) float64 tensors as (x, y)."""
    import torch

    g = geometry
    t = g.angles(device=views.device)[views]
    e = torch.stack((torch.cos(t), torch.sin(t)), dim=-1)[:, None, :]  # (V, 1, 2)
    d = torch.stack((-torch.sin(t), torch.cos(t)), dim=-1)[:, None, :]
    s = g.detector_positions(device=views.device)[None, :, None]  # (1, U, 1)
    if g.kind == "parallel":
        return s * e, d.expand(-1, g.detectors, -1)
    source = -g.source_distance * d
    if g.kind == "fan-flat":
        target = source + g.detector_distance * d + s * e
    else:
        gamma = s / g.detector_distance
        target = source + g.detector_distance * (torch.cos(gamma) * d + torch.sin(gamma) * e)
    direction = target - source
    direction = direction / torch.linalg.vector_norm(direction, dim=-1, keepdim=True)
    return source.expand(-1, g.detectors, -1), direction
