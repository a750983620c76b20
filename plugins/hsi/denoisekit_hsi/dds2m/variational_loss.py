"""DDS2M's variational loss (Miao et al., ICCV 2023, sec. 3.3).

The x0 estimate ``X`` of VS2M fitted at diffusion step t implies the noise
``e = (x_t - sqrt(abar_t) X) / sqrt(1 - abar_t)``; in the unscaled variable ``x~ = x_t / sqrt(abar_t)``,
whose noise level is ``sigma_t = sqrt(1 / abar_t - 1)``, this is ``e = (x~ - X) / sigma_t``. The loss is the
data term ``|| x_t - sqrt(abar_t) X ||^2`` plus a weight times the KL divergence of the Gaussian fitted to ``e``
(mean m, variance v over all entries) from N(0, 1):

    KL(N(m, v) || N(0, 1)) = (m^2 + v - 1 - log v) / 2,

which is zero exactly when ``e`` has zero mean and unit variance, so it stops the networks from fitting the noise
(``e -> 0`` makes it grow like ``-log v / 2``). Both terms are put in the units of ``e``: per entry the data term
is ``abar_t (x~ - X)^2 = (1 - abar_t) e^2``, and the KL term is weighted by ``(1 - abar_t) kl_weight``, so
``kl_weight`` is the same trade-off at every step (the minimiser of ``mean(e^2) + kl_weight KL`` over v alone is
``v = kl_weight / (2 + kl_weight)``). The paper gives no normalisation of the two terms; this is ours. The released
code computes the term but leaves it out of the loss; ``kl_weight = 0`` reproduces that.
"""

from __future__ import annotations

import torch

Tensor = torch.Tensor


def kl_to_standard_normal(e: Tensor) -> Tensor:
    """``KL(N(mean(e), var(e)) || N(0, 1))``, a 0-d tensor; 0 iff the sample mean is 0 and variance 1."""
    m, v = e.mean(), e.var(unbiased=False).clamp_min(torch.finfo(e.dtype).tiny)
    return 0.5 * (m * m + v - 1 - torch.log(v))


def variational_loss(x_tilde: Tensor, x0: Tensor, sigma_t: float, kl_weight: float) -> Tensor:
    """``(1 - abar_t) (mean(e^2) + kl_weight KL(e))`` with ``e = (x~ - X) / sigma_t`` and
    ``abar_t = 1 / (1 + sigma_t^2)``: the mean of ``(x_t - sqrt(abar_t) X)^2`` plus the weighted KL term."""
    one_minus_abar = sigma_t**2 / (1 + sigma_t**2)
    e = (x_tilde - x0) / sigma_t
    loss = e.square().mean()
    if kl_weight > 0:
        loss = loss + kl_weight * kl_to_standard_normal(e)
    return one_minus_abar * loss
