"""A_dagger, prox_l2 and norm() against dense linear algebra on tiny sizes (float64 / complex128)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from denoisekit.operators import Blur, ForwardOperator, Identity, Mask, Scaled

G = torch.Generator().manual_seed(0)
X_SHAPE = (1, 1, 5, 6)
WEIGHTS = torch.rand(5, 6, generator=G, dtype=torch.float64) * (torch.rand(5, 6, generator=G) > 0.3)
KERNEL = torch.tensor([[0.1, 0.2, 0.1], [0.2, 0.8, 0.3], [0.0, 0.1, 0.1]], dtype=torch.float64)
SINGULAR_KERNEL = torch.tensor([[0.5, 0.5]], dtype=torch.float64)  # H = 0 at the Nyquist frequency of W = 6
GAMMA = 0.7


def exact_ops() -> dict[str, ForwardOperator]:
    return {"identity": Identity(), "mask": Mask(WEIGHTS), "blur": Blur(KERNEL), "blur-singular": Blur(SINGULAR_KERNEL),
            "scaled-mask": Scaled(Mask(WEIGHTS), -1.5)}


def cg_ops() -> dict[str, ForwardOperator]:
    ops = {"mask@blur": Mask(WEIGHTS) @ Blur(KERNEL), "blur+mask": Blur(KERNEL) + Mask(WEIGHTS)}
    for op in ops.values():
        op.cg_iterations, op.cg_tol = 300, 1e-13
    return ops


def check_dagger_and_prox(op: ForwardOperator, dense: Callable[..., torch.Tensor], dtype: torch.dtype,
                          tol: float) -> None:
    m = dense(op, X_SHAPE, dtype)
    g = torch.Generator().manual_seed(1)
    y = torch.randn(X_SHAPE, generator=g, dtype=dtype)
    z = torch.randn(X_SHAPE, generator=g, dtype=dtype)
    expected = torch.linalg.pinv(m) @ y.flatten()
    torch.testing.assert_close(op.A_dagger(y).flatten(), expected, rtol=0, atol=tol)
    n = m.shape[1]
    lhs = m.mH @ m + torch.eye(n, dtype=dtype) / GAMMA
    expected = torch.linalg.solve(lhs, m.mH @ y.flatten() + z.flatten() / GAMMA)
    torch.testing.assert_close(op.prox_l2(z, y, GAMMA).flatten(), expected, rtol=0, atol=tol)


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128], ids=str)
@pytest.mark.parametrize("name", list(exact_ops()))
def test_closed_forms_match_dense_solves(name: str, dtype: torch.dtype, dense: Callable[..., torch.Tensor]) -> None:
    check_dagger_and_prox(exact_ops()[name], dense, dtype, 1e-10)


@pytest.mark.parametrize("name", list(cg_ops()))
def test_conjugate_gradient_defaults_match_dense_solves(name: str, dense: Callable[..., torch.Tensor]) -> None:
    check_dagger_and_prox(cg_ops()[name], dense, torch.float64, 1e-8)


def test_generic_cg_agrees_with_the_blur_closed_form() -> None:
    blur = Blur(KERNEL)
    y = torch.randn(2, 3, 5, 6, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    generic = ForwardOperator.prox_l2(blur, y, y.flip(-1), torch.tensor([0.3, 3.0]).reshape(2, 1, 1, 1))
    exact = blur.prox_l2(y, y.flip(-1), torch.tensor([0.3, 3.0]).reshape(2, 1, 1, 1))
    torch.testing.assert_close(generic, exact, rtol=0, atol=1e-5)  # the default cg_tol is 1e-6


@pytest.mark.parametrize("name", ["mask", "blur", "mask@blur", "blur+mask"])
def test_norm_is_the_largest_singular_value(name: str, dense: Callable[..., torch.Tensor]) -> None:
    op = (exact_ops() | cg_ops())[name]
    expected = float(torch.linalg.matrix_norm(dense(op, X_SHAPE), ord=2))
    value = op.norm(X_SHAPE, generator=torch.Generator().manual_seed(3), dtype=torch.float64, iterations=500, tol=1e-10)
    assert value == pytest.approx(expected, rel=1e-4)
