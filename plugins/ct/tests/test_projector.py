"""The Joseph projector: exact adjoint, analytic line integrals, astra-free known answers, autograd."""

from __future__ import annotations

import math

import pytest
import torch
from denoisekit_ct.geometry import fan_beam, parallel_beam
from denoisekit_ct.projector import CTProjector

GEOMETRIES = {
    "parallel": parallel_beam((20, 24), 17),
    "parallel-360": parallel_beam((16, 16), 11, angle_range=2 * math.pi, detector_spacing=0.7),
    "fan-flat": fan_beam((16, 20), 13, source_distance=40.0, detector_distance=90.0),
    "fan-equiangular": fan_beam((18, 18), 13, source_distance=40.0, detector_distance=90.0, detector="equiangular"),
}


@pytest.mark.parametrize("name", list(GEOMETRIES))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_adjointness_to_rounding(name, dtype):
    op = CTProjector(GEOMETRIES[name])
    check = op.adjointness((3, *GEOMETRIES[name].image_shape), generator=torch.Generator().manual_seed(0),
                           dtype=dtype)
    assert check.passed, check


def test_chunking_does_not_change_the_result():
    g = GEOMETRIES["fan-equiangular"]
    x = torch.rand(2, 1, *g.image_shape, generator=torch.Generator().manual_seed(1))
    whole, chunked = CTProjector(g, chunk_elements=2**30), CTProjector(g, chunk_elements=1)
    torch.testing.assert_close(chunked.A(x), whole.A(x))
    y = whole.A(x)
    torch.testing.assert_close(chunked.A_adjoint(y), whole.A_adjoint(y))


def _gaussian(n: int, sigma: float, centre: tuple[float, float] = (0.0, 0.0)) -> torch.Tensor:
    c = torch.arange(n, dtype=torch.float64) - (n - 1) / 2
    y, x = torch.meshgrid(c, c, indexing="ij")
    return torch.exp(-((x - centre[0]) ** 2 + (y - centre[1]) ** 2) / (2 * sigma**2))


def test_parallel_line_integrals_of_a_gaussian():
    """The line integral of exp(-|x - c|^2 / 2 s^2) at offset t is s sqrt(2 pi) exp(-(t - c.e)^2 / 2 s^2)."""
    g = parallel_beam((96, 96), 12, pixel_size=0.5)
    sigma, centre = 6.0, (5.0, -3.0)  # in pixels
    p = CTProjector(g).A(_gaussian(96, sigma, centre))
    t = g.angles()[:, None]
    s = g.detector_positions()[None, :] / g.pixel_size  # in pixels
    shift = centre[0] * torch.cos(t) + centre[1] * torch.sin(t)
    exact = sigma * math.sqrt(2 * math.pi) * torch.exp(-((s - shift) ** 2) / (2 * sigma**2)) * g.pixel_size
    assert float((p - exact).abs().max() / exact.max()) < 5e-3  # linear interpolation of a 6-pixel Gaussian


def test_fan_beam_line_integrals_of_a_gaussian():
    """For a fan ray at distance t from the centre of a round Gaussian the integral is that of the parallel ray at t."""
    sid, sdd = 150.0, 300.0
    for detector in ("flat", "equiangular"):
        g = fan_beam((96, 96), 8, source_distance=sid, detector_distance=sdd, detector=detector)
        sigma = 6.0
        p = CTProjector(g).A(_gaussian(96, sigma))
        s = g.detector_positions()
        fan_angle = torch.atan2(s, torch.tensor(sdd)) if detector == "flat" else s / sdd
        distance = sid * torch.sin(fan_angle)
        exact = sigma * math.sqrt(2 * math.pi) * torch.exp(-(distance**2) / (2 * sigma**2))
        assert float((p - exact[None]).abs().max() / exact.max()) < 5e-3, detector


def test_gradients_are_the_adjoint_and_go_to_second_order():
    g = GEOMETRIES["fan-flat"]
    op = CTProjector(g)
    x = torch.rand(1, *g.image_shape, dtype=torch.float64, generator=torch.Generator().manual_seed(2),
                   requires_grad=True)
    y = torch.rand(1, *g.sinogram_shape, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    (grad,) = torch.autograd.grad((op.A(x) * y).sum(), x, create_graph=True)
    torch.testing.assert_close(grad, op.A_adjoint(y))
    assert torch.autograd.gradcheck(lambda t: op.A_adjoint(op.A(t)), (x,), eps=1e-6, atol=1e-6)


def test_shapes_and_errors():
    g = GEOMETRIES["parallel"]
    op = CTProjector(g)
    assert op.A(torch.zeros(*g.image_shape)).shape == g.sinogram_shape
    assert op.A(torch.zeros(2, 3, *g.image_shape)).shape == (2, 3, *g.sinogram_shape)
    with pytest.raises(ValueError, match="does not end in"):
        op.A(torch.zeros(5, 5))
    with pytest.raises(ValueError, match="source distance"):
        fan_beam((64, 64), 10, source_distance=20.0, detector_distance=50.0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    g = GEOMETRIES["fan-equiangular"]
    x = torch.rand(2, *g.image_shape, generator=torch.Generator().manual_seed(4))
    op = CTProjector(g)
    torch.testing.assert_close(op.A(x.cuda()).cpu(), op.A(x), rtol=1e-4, atol=1e-4)
    y = op.A(x)
    torch.testing.assert_close(op.A_adjoint(y.cuda()).cpu(), op.A_adjoint(y), rtol=1e-4, atol=1e-4)
    assert op.adjointness((2, *g.image_shape), device="cuda").passed
