"""Conjugate gradients for the self-adjoint positive (semi-)definite systems of the operators.

M. R. Hestenes and E. Stiefel, "Methods of conjugate gradients for solving linear systems",
J. Res. Natl. Bur. Stand. 49(6), 1952. The whole tensor is one vector and the
inner product is Re<a, b>, so complex systems are solved as real ones of twice the size.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def inner(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The real inner product Re<a, b> = Re sum(conj(a) * b) of C^n seen as R^2n (a 0-d tensor)."""
    return torch.sum(torch.conj(a) * b).real if a.is_complex() or b.is_complex() else torch.sum(a * b)


def conjugate_gradient(
    apply: Callable[[torch.Tensor], torch.Tensor],
    b: torch.Tensor,
    x0: torch.Tensor | None = None,
    *,
    iterations: int = 100,
    tol: float = 1e-6,
) -> torch.Tensor:
    """Solve ``apply(x) = b`` for a self-adjoint positive semi-definite ``apply``.

    Stops once ||b - apply(x)|| <= tol * ||b|| or after ``iterations`` steps. Started from zero on a
    singular system with ``b`` in the range, it converges to the minimum-norm solution.
    """
    x = torch.zeros_like(b) if x0 is None else x0.clone()
    r = b - apply(x) if x0 is not None else b.clone()
    p = r.clone()
    rr = inner(r, r)
    stop = tol**2 * inner(b, b)
    for _ in range(iterations):
        if rr <= stop:
            break
        ap = apply(p)
        alpha = rr / inner(p, ap)
        x = x + alpha * p
        r = r - alpha * ap
        rr_new = inner(r, r)
        p = r + (rr_new / rr) * p
        rr = rr_new
    return x
