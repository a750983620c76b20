"""The singular value decompositions of Identity, Mask and Blur: U diag(s) V^H x = A x, U and V unitary,
and s equal to the dense matrix's singular values."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from denoisekit.operators import Blur, Decomposable, Identity, Mask

G = torch.Generator().manual_seed(0)
OPERATORS: dict[str, tuple[Callable[[], Decomposable], tuple[int, ...]]] = {
    "identity": (Identity, (2, 3, 6, 5)),
    "mask": (lambda: Mask(torch.randn(6, 5, generator=G, dtype=torch.float64) * (torch.rand(6, 5, generator=G) > 0.3)),
             (2, 3, 6, 5)),
    "blur-2d": (lambda: Blur(torch.rand(3, 2, generator=G, dtype=torch.float64)), (2, 3, 6, 5)),
    "blur-singular": (lambda: Blur(torch.tensor([[0.5, 0.5]], dtype=torch.float64)), (1, 2, 4, 6)),
    "blur-3d": (lambda: Blur(torch.rand(2, 3, 2, generator=G, dtype=torch.float64)), (1, 2, 3, 4, 5)),
    "blur-complex": (lambda: Blur(torch.randn(3, 3, generator=G, dtype=torch.complex128)), (2, 1, 6, 5)),
}


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128], ids=str)
@pytest.mark.parametrize("name", list(OPERATORS))
def test_decomposition_reconstructs_the_operator(name: str, dtype: torch.dtype) -> None:
    factory, shape = OPERATORS[name]
    if name == "blur-complex" and not dtype.is_complex:
        pytest.skip("a complex kernel maps real signals to complex ones")
    op = factory()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(shape, generator=g, dtype=dtype)
    s = op.singular_values(shape, dtype=torch.float64)
    assert s.shape == shape and bool((s >= 0).all())
    rebuilt = op.U(s * op.V_adjoint(x))
    expected = op(x)
    if rebuilt.is_complex() and not expected.is_complex():  # a real signal keeps a zero imaginary part
        torch.testing.assert_close(rebuilt.imag, torch.zeros_like(expected), rtol=0, atol=1e-12)
        rebuilt = rebuilt.real
    torch.testing.assert_close(rebuilt, expected, rtol=0, atol=1e-12)
    z = torch.randn(shape, generator=g, dtype=torch.complex128)
    for forward, inverse in ((op.U, op.U_adjoint), (op.V, op.V_adjoint)):
        torch.testing.assert_close(inverse(forward(z)), z, rtol=0, atol=1e-12)
        torch.testing.assert_close(forward(z).abs().square().sum(), z.abs().square().sum(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", list(OPERATORS))
def test_singular_values_match_the_dense_matrix(name: str, dense: Callable[..., torch.Tensor]) -> None:
    factory, shape = OPERATORS[name]
    op, one = factory(), (1, *shape[1:])
    dtype = torch.complex128 if name == "blur-complex" else torch.float64
    expected = torch.linalg.svdvals(dense(op, one, dtype))
    s = op.singular_values(one, dtype=torch.float64).flatten().sort(descending=True).values
    torch.testing.assert_close(s, expected, rtol=0, atol=1e-12)
