"""The unrolled MoDL network: its data-consistency step solves its normal equations, K = 0 is the CG
solution, and gradients reach every weight and mu."""

from __future__ import annotations

import torch
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.unrolled import Unrolled, data_consistency

torch.set_num_threads(1)


def _problem(dtype=torch.complex128, size=(8, 6), coils=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    maps = torch.randn((coils, *size), generator=g, dtype=dtype)
    maps = maps / torch.sqrt(torch.sum(maps.abs() ** 2, dim=0, keepdim=True))
    mask = (torch.rand(size[1], generator=g) > 0.5).to(maps.real.dtype)
    op = MultiCoilCartesian(maps, mask)
    x = torch.randn((1, *size), generator=g, dtype=dtype)
    y = op.A(x) + 0.01 * torch.randn((1, coils, *size), generator=g, dtype=dtype)
    return op, x, y


def _direct_solve(op, rhs, mu):
    """(A^H A + mu I)^{-1} rhs from the dense matrix of A^H A, built column by column."""
    n = rhs[0].numel()
    basis = torch.eye(n, dtype=rhs.dtype).reshape(n, *rhs.shape[1:])
    columns = op.A_adjoint(op.A(basis)).reshape(n, n).T
    return torch.linalg.solve(columns + mu * torch.eye(n, dtype=rhs.dtype), rhs.reshape(n)).reshape(rhs.shape)


def test_data_consistency_solves_its_normal_equations():
    op, _, y = _problem()
    b = op.A_adjoint(y)
    z = torch.randn(b.shape, generator=torch.Generator().manual_seed(1), dtype=b.dtype)
    mu = 0.3
    x = data_consistency(op, b, z, mu, iterations=b.numel())  # CG is exact in n steps (up to rounding)
    expected = _direct_solve(op, b + mu * z, mu)
    assert torch.linalg.vector_norm(x - expected) < 1e-8 * torch.linalg.vector_norm(expected)
    residual = op.A_adjoint(op.A(x)) + mu * x - (b + mu * z)
    assert torch.linalg.vector_norm(residual) < 1e-8 * torch.linalg.vector_norm(b + mu * z)


def test_no_unrolls_gives_the_cg_solution_at_any_scale():
    op, _, y = _problem()
    net = Unrolled(unrolls=0, features=4, blocks=1, cg_iterations=48, mu=0.1).double()
    expected = _direct_solve(op, op.A_adjoint(y), 0.1)
    for scale in (1.0, 1e4):  # the input normalisation is undone exactly
        out = net(scale * y, op)
        assert torch.allclose(out, scale * expected, rtol=1e-6, atol=1e-9 * scale)


def test_gradients_reach_every_weight_and_mu():
    op, x, y = _problem(dtype=torch.complex64)
    net = Unrolled(unrolls=2, features=4, blocks=2, cg_iterations=3)
    loss = (net(y, op) - x).abs().pow(2).mean()
    loss.backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name


def test_payload_round_trip_gives_the_same_network():
    op, _, y = _problem(dtype=torch.complex64)
    torch.manual_seed(0)
    net = Unrolled(unrolls=2, features=4, blocks=1, cg_iterations=3, mu=0.2)
    again = Unrolled.from_payload(net.payload())
    assert again.arch == net.arch
    assert torch.equal(net(y, op), again(y, op))
