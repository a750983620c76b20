"""HySime: noise estimation by multiple regression and signal-subspace identification by minimum
mean-squared error (Bioucas-Dias & Nascimento, "Hyperspectral subspace identification", IEEE TGRS
46(8), 2008), in torch on the data's device.

Data are ``Y`` of shape (B, P): bands by pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def estimate_noise(y: torch.Tensor, ridge: float = 1e-6) -> torch.Tensor:
    """The regression residuals W (B, P) of each band on all the others (paper Sec. III-A, eq. 11).

    For R = Y Y^T the least-squares residual of band i regressed on the other bands is
    (R^-1 Y)_i / (R^-1)_ii, so all B regressions cost one B x B inverse. ``ridge`` (relative to the
    mean of diag R) keeps R invertible for rank-deficient data.
    """
    y64 = y.double()
    r = y64 @ y64.T
    r = r + ridge * r.diagonal().mean() * torch.eye(r.shape[0], dtype=r.dtype, device=r.device)
    r_inv = torch.linalg.inv(r)
    return ((r_inv @ y64) / r_inv.diagonal().unsqueeze(1)).to(y.dtype)


@dataclass(frozen=True)
class Subspace:
    """HySime's result: ``basis`` (B, k) orthonormal columns of the signal subspace (eigenvectors of the
    signal correlation, ordered by decreasing MSE gain) and ``noise_cov`` (B, B), R_n = W W^T / P."""

    basis: torch.Tensor
    noise_cov: torch.Tensor

    @property
    def k(self) -> int:
        return self.basis.shape[1]


def _noise_products(gram: torch.Tensor, ridge: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor]:
    """(W W^T, Y W^T) from the Gram matrix R = Y Y^T alone: with W = D R^-1 Y and D = diag(R^-1)^-1 (see
    :func:`estimate_noise`), W W^T = D R^-1 R R^-1 D and Y W^T = R R^-1 D. So HySime needs one pass over
    the pixels (R can be summed over blocks of a cube that does not fit in memory)."""
    g = gram.double()
    r_inv = torch.linalg.inv(g + ridge * g.diagonal().mean() * torch.eye(g.shape[0], dtype=g.dtype, device=g.device))
    d = 1.0 / r_inv.diagonal()
    m = r_inv * d[None, :]  # R^-1 D
    return m.T @ g @ m, g @ m


def hysime_gram(gram: torch.Tensor, n_pixels: int, k: int | None = None) -> Subspace:
    """Signal subspace from R = Y Y^T of ``n_pixels`` pixels (paper Sec. III-B, eqs. 18-21).

    R_x = (Y - W)(Y - W)^T / P is the signal correlation, e_i its eigenvectors; the MSE change from
    keeping e_i is delta_i = -p_i + 2 sigma_i^2 with p_i = e_i^T R_y e_i and sigma_i^2 = e_i^T R_n e_i,
    and the subspace keeps the eigenvectors with delta_i < 0 (at least one). ``k`` fixes the dimension
    instead (eigenvectors in the same delta order). Computed in float64, returned in ``gram``'s dtype.
    """
    ww, yw = _noise_products(gram)
    g = gram.double()
    r_n = ww / n_pixels
    r_x = (g - yw - yw.T + ww) / n_pixels
    r_y = g / n_pixels
    _, e = torch.linalg.eigh(r_x)
    power = torch.einsum("bi,bc,ci->i", e, r_y, e)
    noise_power = torch.einsum("bi,bc,ci->i", e, r_n, e)
    order = torch.argsort(-power + 2 * noise_power)
    if k is None:
        k = max(int(((-power + 2 * noise_power) < 0).sum()), 1)
    return Subspace(e[:, order[:k]].to(gram.dtype), r_n.to(gram.dtype))


def hysime(y: torch.Tensor, k: int | None = None) -> Subspace:
    """:func:`hysime_gram` of the data ``y`` (B, P)."""
    y64 = y.double()
    sub = hysime_gram(y64 @ y64.T, y.shape[1], k)
    return Subspace(sub.basis.to(y.dtype), sub.noise_cov.to(y.dtype))


def band_noise_std_gram(gram: torch.Tensor, n_pixels: int, iid: bool = False) -> torch.Tensor:
    """Per-band noise std (B,), the RMS of the multiple-regression residuals, from R = Y Y^T; with ``iid``
    one common value (the root mean of the band variances) repeated. In ``gram``'s dtype."""
    ww, _ = _noise_products(gram)
    var = (ww.diagonal() / n_pixels).clamp(min=1e-24)
    sigma = var.mean().sqrt().expand_as(var).clone() if iid else var.sqrt()
    return sigma.to(gram.dtype)


def band_noise_std(y: torch.Tensor, iid: bool = False) -> torch.Tensor:
    """:func:`band_noise_std_gram` of the data ``y`` (B, P)."""
    y64 = y.double()
    return band_noise_std_gram(y64 @ y64.T, y.shape[1], iid).to(y.dtype)
