"""The forward-operator interface: a linear map y = A x between batch-first tensors.

Inner-product convention (used for every adjoint here): <a, b> = Re sum(conj(a) * b), the real
inner product of C^n seen as R^2n. For a complex-linear A the adjoint is then the conjugate
transpose A^H, and it is the adjoint that autograd's vector-Jacobian product computes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

from denoisekit.operators.cg import conjugate_gradient, inner


class Adjointness(NamedTuple):
    """The outcome of :meth:`ForwardOperator.adjointness`: an exact adjoint gives ``error <= tolerance``."""

    error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return self.error <= self.tolerance


def _real_entries(t: torch.Tensor) -> int:
    """The number of real numbers in ``t`` (two per complex entry)."""
    return t.numel() * (2 if t.is_complex() else 1)


class ForwardOperator(nn.Module):
    """A linear operator on (B, C, *spatial) tensors; the device follows the inputs.

    Subclasses implement :meth:`A` and :meth:`A_adjoint`; :meth:`A_dagger` and :meth:`prox_l2`
    default to conjugate gradients (``cg_iterations``, ``cg_tol``) on the normal equations and are
    overridden where a closed form exists. ``op2 @ op1`` composes, ``c * op`` scales, ``op1 + op2`` sums.
    """

    cg_iterations: int = 100
    cg_tol: float = 1e-6

    def A(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def A_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.A(x)

    def A_dagger(self, y: torch.Tensor) -> torch.Tensor:
        """The minimum-norm least-squares solution A^+ y: CG on A^H A x = A^H y started from zero."""
        return conjugate_gradient(lambda x: self.A_adjoint(self.A(x)), self.A_adjoint(y),
                                  iterations=self.cg_iterations, tol=self.cg_tol)

    def prox_l2(self, z: torch.Tensor, y: torch.Tensor, gamma: float | torch.Tensor) -> torch.Tensor:
        """argmin_x ||A x - y||^2 / 2 + ||x - z||^2 / (2 gamma): CG on (A^H A + I/gamma) x = A^H y + z/gamma."""
        return conjugate_gradient(lambda x: self.A_adjoint(self.A(x)) + x / gamma, self.A_adjoint(y) + z / gamma,
                                  z, iterations=self.cg_iterations, tol=self.cg_tol)

    def norm(
        self,
        x_shape: Sequence[int],
        *,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
        iterations: int = 100,
        tol: float = 1e-6,
    ) -> float:
        """The operator 2-norm ||A|| = sqrt(largest eigenvalue of A^H A), by power iteration from a
        random start; stops when the eigenvalue estimate changes by less than ``tol`` (relative)."""
        x = torch.randn(tuple(x_shape), generator=generator, dtype=dtype, device=device)
        value = torch.zeros((), dtype=x.real.dtype, device=x.device)
        for _ in range(iterations):
            x = x / inner(x, x).sqrt()
            ahax = self.A_adjoint(self.A(x))
            new = inner(x, ahax)
            converged = torch.abs(new - value) <= tol * new
            x, value = ahax, new
            if converged:
                break
        return float(value.sqrt())

    def adjointness(
        self,
        x_shape: Sequence[int],
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> Adjointness:
        """Compare <A x, y> with <x, A^H y> for random x and y, against the rounding error of ``dtype``.

        ``error`` is |<A x, y> - <x, A^H y>| / s with s = ||A x|| ||y|| + ||x|| ||A^H y||. A sum of n
        products rounded in precision eps is off by about sqrt(n) eps ||a|| ||b|| (Higham & Mary,
        "A new approach to probabilistic rounding error analysis", SIAM J. Sci. Comput. 41(5), 2019).
        Four such errors enter the difference: the two inner products, and A x and A^H y, whose
        entries are sums of at most n terms (so ||fl(A x) - A x|| <~ sqrt(n) eps ||A x|| unless A
        cancels large terms). Hence ``tolerance`` = 4 sqrt(n) eps, n the number of real entries of x
        or y, whichever is larger: it follows from the size and the precision, not from one CPU's
        rounding order, while a wrong adjoint B gives an error of about ||B - A^H|| / (||A|| sqrt(n)).
        """
        x = torch.randn(tuple(x_shape), generator=generator, dtype=dtype, device=device)
        ax = self.A(x)
        y = torch.randn(ax.shape, generator=generator, dtype=ax.dtype, device=ax.device)
        aty = self.A_adjoint(y)
        difference = torch.abs(inner(ax, y) - inner(x, aty))
        norm = torch.linalg.vector_norm
        scale = norm(ax) * norm(y) + norm(x) * norm(aty)
        error = float(difference / scale) if scale > 0 else 0.0  # scale 0: A x = A^H y = 0, so both are 0
        n = max(_real_entries(x), _real_entries(y))
        return Adjointness(error, 4 * math.sqrt(n) * torch.finfo(difference.dtype).eps)

    def adjointness_test(
        self,
        x_shape: Sequence[int],
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> float:
        """The error of :meth:`adjointness` alone: |<A x, y> - <x, A^H y>| / (||A x|| ||y|| + ||x|| ||A^H y||)."""
        return self.adjointness(x_shape, generator, dtype, device).error

    def __matmul__(self, other: ForwardOperator) -> ForwardOperator:
        from denoisekit.operators.composition import Composition

        return Composition(self, other)

    def __mul__(self, scale: complex | float) -> ForwardOperator:
        from denoisekit.operators.scaled import Scaled

        return Scaled(self, scale)

    __rmul__ = __mul__

    def __add__(self, other: ForwardOperator) -> ForwardOperator:
        from denoisekit.operators.sum import Sum

        return Sum(self, other)


class Decomposable(ForwardOperator):
    """An operator that knows its singular value decomposition A = U diag(s) V^H (U, V unitary, s >= 0),
    the interface of DDRM (Kawar et al., "Denoising Diffusion Restoration Models", NeurIPS 2022).

    Spectral coefficients have the layout of ``V_adjoint(x)``; ``singular_values`` returns s in that layout.
    """

    def U(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def U_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def V(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def V_adjoint(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def singular_values(
        self, x_shape: Sequence[int], *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
    ) -> torch.Tensor:
        raise NotImplementedError
