"""Filtered back-projection for the geometries of :mod:`denoisekit_ct.geometry`, in torch.

Kak & Slaney, "Principles of Computerized Tomographic Imaging" (IEEE Press 1988; SIAM 2001), ch. 3:

- parallel beam (eq. 3.61): f(x) = dt * sum_v Q_v(x . e_v) with Q = dS * (p conv h), the band-limited
  ramp h(0) = 1 / (4 dS^2), h(n) = -1 / (n pi dS)^2 for odd n, 0 for even n; dt = pi / V (a 180 or
  360 deg scan, the latter counting every ray twice).
- fan beam, equiangular detector (eqs. 3.114-3.117): pre-weight the projections by R cos(g), filter
  with g(0) = 1 / (8 a^2), g(n) = -1 / (2 pi^2 sin^2(n a)) for odd n (a = angular bin width),
  back-project with weight 1 / L^2 (L: source to pixel), db = 2 pi / V.
- fan beam, flat detector (eqs. 3.135-3.145): rescale the bins to the isocentre (s' = s R / D),
  pre-weight by R / sqrt(R^2 + s'^2), filter with h / 2, back-project with weight 1 / U^2,
  U = (distance from the source along the central ray) / R.

The filter is applied by FFT with zero padding to at least twice the detector count (no wrap-around),
using the spectrum of the spatial kernel above (no DC offset, as in Kak & Slaney sec. 3.3), times an
apodisation window of the frequency f in cycles per bin: ``ramp`` (Ram-Lak, 1), ``shepp-logan``
(sinc f), ``cosine`` (cos pi f), ``hann`` (0.5 + 0.5 cos 2 pi f, zero at Nyquist).
Back-projection is pixel-driven with linear interpolation along the detector (a gather, chunked over
views), so it is differentiable by autograd. A fan-beam short scan (at least 180 deg plus the fan angle)
is weighted by Parker's weights (:mod:`denoisekit_ct.parker`).
"""

from __future__ import annotations

import math

import torch

from denoisekit_ct.geometry import Geometry
from denoisekit_ct.parker import check_short_scan, parker_weights

FILTERS = ("ramp", "shepp-logan", "cosine", "hann")


def _window(name: str, f: torch.Tensor) -> torch.Tensor:
    if name == "ramp":
        return torch.ones_like(f)
    if name == "shepp-logan":
        return torch.sinc(f)
    if name == "cosine":
        return torch.cos(math.pi * f)
    if name == "hann":
        return 0.5 + 0.5 * torch.cos(2 * math.pi * f)
    raise ValueError(f"unknown filter {name!r}; choose one of {FILTERS}")


def filter_response(geometry: Geometry, n_pad: int, name: str, device: torch.device | None = None) -> torch.Tensor:
    """The (n_pad // 2 + 1) real spectrum of the convolution kernel times the bin width, windowed."""
    n = torch.arange(n_pad, device=device, dtype=torch.float64)
    n = torch.where(n > n_pad // 2, n - n_pad, n)  # circular lags
    odd = n.remainder(2) == 1
    if geometry.kind == "fan-equiangular":
        a = geometry.detector_spacing / geometry.detector_distance
        kernel = torch.where(odd, -1 / (2 * math.pi**2 * torch.sin(n * a) ** 2), 0.0)
        kernel[0] = 1 / (8 * a**2)
        width = a
    else:
        width = geometry.detector_spacing
        if geometry.kind == "fan-flat":
            width *= geometry.source_distance / geometry.detector_distance
        kernel = torch.where(odd, -1 / (math.pi * n * width) ** 2, 0.0)
        kernel[0] = 1 / (4 * width**2)
        if geometry.kind == "fan-flat":
            kernel = kernel / 2
    spectrum = torch.fft.rfft(kernel).real * width
    return spectrum * _window(name, torch.fft.rfftfreq(n_pad, device=device, dtype=torch.float64))


def _preweight(geometry: Geometry, device: torch.device) -> torch.Tensor | None:
    s = geometry.detector_positions(device)
    r = geometry.source_distance
    if geometry.kind == "fan-equiangular":
        return r * torch.cos(s / geometry.detector_distance)
    if geometry.kind == "fan-flat":
        s_iso = s * r / geometry.detector_distance
        return r / torch.sqrt(r**2 + s_iso**2)
    return None


def filter_sinogram(sinogram: torch.Tensor, geometry: Geometry, name: str = "ramp") -> torch.Tensor:
    """The filtered projections Q (same shape as ``sinogram``, (..., views, detectors))."""
    u = geometry.detectors
    n_pad = max(64, 2 ** math.ceil(math.log2(2 * u)))
    weight = _preweight(geometry, sinogram.device)
    p = sinogram if weight is None else sinogram * weight.to(sinogram.dtype)
    response = filter_response(geometry, n_pad, name, sinogram.device).to(sinogram.dtype)
    return torch.fft.irfft(torch.fft.rfft(p, n=n_pad, dim=-1) * response, n=n_pad, dim=-1)[..., :u]


def _grid_and_weight(geometry: Geometry, views: torch.Tensor, dtype: torch.dtype
                     ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """For every view of ``views`` and pixel: the ``grid_sample`` grid (1, V, H*W, 2) that picks the
    pixel's detector coordinate (x, normalised over the bins) in the view's row (y), and the
    back-projection weight (V, H*W) (None for parallel beam, where it is 1)."""
    g = geometry
    h, w = g.image_shape
    device = views.device
    centre = (g.detectors - 1) / 2
    u_scale = 2 / (g.detectors - 1) if g.detectors > 1 else 1.0
    v_scale = 2 / (g.views - 1) if g.views > 1 else 1.0
    grid = torch.empty(len(views), h * w, 2, dtype=dtype, device=device)
    grid[..., 1] = (views.to(dtype) * v_scale - 1)[:, None]
    t = g.angles(device=device)[views][:, None]
    cos, sin = torch.cos(t), torch.sin(t)
    ys = (torch.arange(h, device=device, dtype=torch.float64) - (h - 1) / 2) * g.pixel_size
    xs = (torch.arange(w, device=device, dtype=torch.float64) - (w - 1) / 2) * g.pixel_size
    if g.kind == "parallel":
        # u = (x cos + y sin) / spacing + centre, separable in x and y: one pass over (V, H, W)
        a = (cos * u_scale / g.detector_spacing)[:, :, None] * xs[None, None, :]
        b = (sin * u_scale / g.detector_spacing)[:, :, None] * ys[None, :, None] + (centre * u_scale - 1)
        torch.add(a.to(dtype), b.to(dtype), out=grid[..., 0].view(len(views), h, w))
        return grid[None], None
    y, x = (c.reshape(1, -1).to(dtype) for c in torch.meshgrid(ys, xs, indexing="ij"))
    cos, sin = cos.to(dtype), sin.to(dtype)
    lateral = x * cos + y * sin  # along e
    along = g.source_distance + (y * cos - x * sin)  # from the source along the central ray
    if g.kind == "fan-flat":
        s = g.detector_distance * lateral / along
        weight = (g.source_distance / along) ** 2
    else:
        s = g.detector_distance * torch.atan2(lateral, along)
        weight = 1 / (along**2 + lateral**2)
    grid[..., 0] = s * (u_scale / g.detector_spacing) + (centre * u_scale - 1)
    return grid[None], weight


def backproject(filtered: torch.Tensor, geometry: Geometry, *, chunk_elements: int = 2**22) -> torch.Tensor:
    """Pixel-driven weighted back-projection of filtered projections (..., V, U) -> (..., H, W): each
    pixel takes Q_v at its detector coordinate by linear interpolation (zero beyond the detector),
    as one ``grid_sample`` per chunk of views on the sinogram seen as a V x U image (rows hit exactly)."""
    g = geometry
    lead = filtered.shape[:-2]
    q = filtered.reshape(1, -1, *g.sinogram_shape)
    batch, pixels = q.shape[1], g.image_shape[0] * g.image_shape[1]
    image = q.new_zeros(batch, pixels)
    for views in torch.arange(g.views, device=q.device).split(max(1, chunk_elements // (pixels * batch))):
        grid, weight = _grid_and_weight(g, views, q.dtype)
        values = torch.nn.functional.grid_sample(q, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
        image = image + (values[0] if weight is None else values[0] * weight).sum(1)
    return image.reshape(*lead, *g.image_shape)


def is_short_scan(geometry: Geometry) -> bool:
    """A fan-beam scan of less than 360 deg."""
    return geometry.is_fan and geometry.angle_range < 2 * math.pi - 1e-6


def angular_step(geometry: Geometry) -> float:
    """d-theta of the FBP sum: pi / V for parallel beam (180 or 360 deg), 2 pi / V for a full fan-beam
    scan, 2 range / V for a Parker-weighted short scan (its weights sum to 1 over each ray pair, where a
    full scan counts every ray twice); ValueError for a fan-beam scan too short to measure every ray."""
    if is_short_scan(geometry):
        check_short_scan(geometry)
        return 2 * geometry.angle_range / geometry.views
    if geometry.is_fan:
        return 2 * math.pi / geometry.views
    return min(geometry.angle_range, math.pi) / geometry.views


def fbp(sinogram: torch.Tensor, geometry: Geometry, filter: str = "ramp") -> torch.Tensor:
    """The FBP reconstruction (..., H, W) of ``sinogram`` (..., views, detectors); FBP(A x) ~ x. A fan-beam
    short scan is Parker-weighted first (:func:`denoisekit_ct.parker.parker_weights`)."""
    if tuple(sinogram.shape[-2:]) != geometry.sinogram_shape:
        raise ValueError(f"sinogram of shape {tuple(sinogram.shape)} does not end in {geometry.sinogram_shape}")
    if is_short_scan(geometry):
        sinogram = sinogram * parker_weights(geometry, sinogram.device).to(sinogram.dtype)
    step = angular_step(geometry)
    return backproject(filter_sinogram(sinogram, geometry, filter), geometry) * step
