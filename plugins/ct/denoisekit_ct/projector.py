"""A differentiable ray-driven CT projector (Joseph's method) with its exact adjoint, in pure torch.

Joseph, "An improved algorithm for reprojecting rays through pixel images", IEEE TMI 1(3), 1982:
a ray that runs mostly along the rows (|d_y| >= |d_x|) is sampled once per pixel row, at the row
centre, by linear interpolation between the two nearest pixels of that row; the sum is scaled by
the path length per row, pixel_size * sqrt(1 + (d_x / d_y)^2). Rays that run mostly along the
columns are sampled per column. Outside the image the values are zero.

A is a gather (two neighbours per sample) and A^T is the scatter-add of the same weights at the
same indices, so A^T is the exact transpose of A (adjointness to rounding). Both run over views
in chunks of at most ``chunk_elements`` (ray x sample x batch) entries, so memory stays bounded
(about 100 MB per chunk by default) for 512 x 512 images at 720 views. Autograd goes through
custom functions whose backward is the other map, so gradients are exact, need no stored
indices, and can be taken to any order.
"""

from __future__ import annotations

from typing import Any

import torch

from denoisekit.api import ForwardOperator
from denoisekit_ct.geometry import Geometry, fan_beam, parallel_beam, rays


class _Project(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, op: CTProjector) -> torch.Tensor:
        ctx.op = op
        return op._project(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return _BackProject.apply(grad, ctx.op), None


class _BackProject(torch.autograd.Function):
    @staticmethod
    def forward(ctx, y: torch.Tensor, op: CTProjector) -> torch.Tensor:
        ctx.op = op
        return op._backproject(y)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return _Project.apply(grad, ctx.op), None


class CTProjector(ForwardOperator):
    """y = A x: line integrals of (..., H, W) images into (..., views, detectors) sinograms.

    geometry: the acquisition (:mod:`denoisekit_ct.geometry`); any float dtype, any device.
    """

    def __init__(self, geometry: Geometry, *, chunk_elements: int = 2**22):
        super().__init__()
        self.geometry = geometry
        self.chunk_elements = int(chunk_elements)

    def A(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x, self.geometry.image_shape, "image")
        return _Project.apply(x, self)

    def A_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        self._check(y, self.geometry.sinogram_shape, "sinogram")
        return _BackProject.apply(y, self)

    @staticmethod
    def _check(t: torch.Tensor, shape: tuple[int, int], what: str) -> None:
        if t.ndim < 2 or tuple(t.shape[-2:]) != tuple(shape):
            raise ValueError(f"{what} of shape {tuple(t.shape)} does not end in {tuple(shape)}")

    # -- the two linear maps, chunked over views --------------------------------------------------

    def _view_chunks(self, batch: int, device: torch.device) -> list[torch.Tensor]:
        g = self.geometry
        per_view = g.detectors * max(g.image_shape) * max(batch, 1)
        size = max(1, self.chunk_elements // per_view)
        return list(torch.arange(g.views, device=device).split(size))

    def _grid(self, views: torch.Tensor, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        """Joseph's sample points of the rays of ``views`` (R = len(views) * U rays, K = max(H, W)
        steps) as a ``grid_sample`` grid (1, R, K, 2) of normalised (x, y) (align_corners=True),
        and each ray's path length per step (R, 1).

        Step k of a ray that runs along the rows sits on row k; steps beyond the image's last row
        (non-square images) land more than one pixel outside and so weigh nothing."""
        g = self.geometry
        h, w = g.image_shape
        point, direction = rays(g, views)
        point, direction = point.reshape(-1, 2), direction.reshape(-1, 2)
        cx = point[:, 0] / g.pixel_size + (w - 1) / 2  # pixel-index coordinates: column, row
        cy = point[:, 1] / g.pixel_size + (h - 1) / 2
        dx, dy = direction[:, 0], direction[:, 1]
        rows = dy.abs() >= dx.abs()
        slope = torch.where(rows, dx / torch.where(rows, dy, 1), dy / torch.where(rows, 1, dx))
        offset = torch.where(rows, cx - cy * slope, cy - cx * slope)
        length = g.pixel_size * torch.sqrt(1 + slope**2)
        # coordinate = start + k * increment, normalised to [-1, 1] over the pixel centres
        sx, sy = 2 / (w - 1), 2 / (h - 1)
        start = torch.stack((torch.where(rows, offset * sx - 1, -1.0), torch.where(rows, -1.0, offset * sy - 1)), -1)
        increment = torch.stack((torch.where(rows, slope * sx, sx), torch.where(rows, sy, slope * sy)), -1)
        k = torch.arange(max(h, w), device=point.device, dtype=dtype)
        grid = torch.addcmul(start.to(dtype)[:, None, :], increment.to(dtype)[:, None, :], k[None, :, None])
        return grid[None], length.to(dtype)[:, None]

    def _project(self, x: torch.Tensor) -> torch.Tensor:
        g = self.geometry
        lead = x.shape[:-2]
        xb = x.reshape(1, -1, *g.image_shape)
        out = []
        for views in self._view_chunks(xb.shape[1], x.device):
            grid, length = self._grid(views, x.dtype)
            samples = torch.nn.functional.grid_sample(xb, grid, mode="bilinear", padding_mode="zeros",
                                                      align_corners=True)
            out.append((samples.sum(-1)[0] * length[:, 0]).view(xb.shape[1], len(views), g.detectors))
        return torch.cat(out, dim=1).reshape(*lead, *g.sinogram_shape)

    def _backproject(self, y: torch.Tensor) -> torch.Tensor:
        """The transpose of :meth:`_project`: grid_sample's input gradient is the scatter-add of its
        bilinear weights, called directly so that no forward pass is needed."""
        g = self.geometry
        lead = y.shape[:-2]
        yb = y.reshape(-1, *g.sinogram_shape)
        shape = torch.zeros(1, yb.shape[0], *g.image_shape, dtype=y.dtype, device=y.device)
        image = torch.zeros_like(shape)
        for views in self._view_chunks(yb.shape[0], y.device):
            grid, length = self._grid(views, y.dtype)
            weight = (yb[:, views].reshape(yb.shape[0], -1) * length[:, 0])[None, :, :, None]
            grad = weight.expand(-1, -1, -1, grid.shape[2])
            image += torch.ops.aten.grid_sampler_2d_backward(grad, shape, grid, 0, 0, True, [True, False])[0]
        return image[0].reshape(*lead, *g.image_shape)


def parallel_beam_projector(image_shape: tuple[int, int] = (256, 256), views: int = 360, **geometry: Any
                            ) -> CTProjector:
    """A parallel-beam :class:`CTProjector`; ``geometry`` goes to :func:`denoisekit_ct.geometry.parallel_beam`."""
    return CTProjector(parallel_beam(tuple(image_shape), views, **geometry))


def fan_beam_projector(image_shape: tuple[int, int] = (256, 256), views: int = 360, *,
                       source_distance: float = 512.0, detector_distance: float = 1024.0, **geometry: Any
                       ) -> CTProjector:
    """A fan-beam :class:`CTProjector` (distances in pixel sizes by default; ``detector="equiangular"``
    for a curved detector); ``geometry`` goes to :func:`denoisekit_ct.geometry.fan_beam`."""
    return CTProjector(fan_beam(tuple(image_shape), views, source_distance=source_distance,
                               detector_distance=detector_distance, **geometry))


def example_parallel() -> tuple[CTProjector, tuple[int, ...]]:
    return parallel_beam_projector((12, 16), 7), (2, 1, 12, 16)


def example_fan() -> tuple[CTProjector, tuple[int, ...]]:
    return fan_beam_projector((16, 16), 9, source_distance=30.0, detector_distance=60.0, detector="equiangular"), (
        2, 1, 16, 16)
