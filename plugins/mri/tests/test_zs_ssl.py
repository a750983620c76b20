"""ZS-SSL: the k-space splits partition what was acquired as the paper prescribes, the l1-l2 loss has its known
values, and the fit on a small simulated slice beats the CG-SENSE solution of the same data."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.masks import equispaced_lines
from denoisekit_mri.simulate import coil_maps
from denoisekit_mri.unrolled import data_consistency
from denoisekit_mri.zs_ssl import ZsSslSettings, cs_start, fit_zs_ssl, l1_l2_loss
from denoisekit_mri.zs_ssl_masks import acs_region, gaussian_split, validation_split

torch.set_num_threads(1)


def _line_mask(h=32, w=32, seed=0):
    lines, _ = equispaced_lines(w, 4, 0.125, np.random.default_rng(seed))
    return torch.from_numpy(lines).float()[None, :].expand(h, w).contiguous(), lines


def test_acs_is_the_centre_run_of_fully_sampled_columns():
    omega, lines = _line_mask()
    acs = acs_region(omega)
    columns = torch.nonzero(acs.all(dim=0)).flatten().tolist()
    assert columns == list(range(min(columns), max(columns) + 1)) and 16 in columns
    assert len(columns) >= 4 and all(lines[c] for c in columns)
    assert not acs[:, ~torch.from_numpy(lines)].any()


def test_acs_of_a_point_mask_is_a_centre_square():
    omega = torch.zeros(20, 20)
    omega[7:14, 7:14] = 1
    omega[0, ::3] = 1
    acs = acs_region(omega)
    assert acs.sum() == 49 and acs[7:14, 7:14].all()


def test_validation_split_partitions_omega_outside_the_acs():
    omega, _ = _line_mask()
    gamma, rest = validation_split(omega, 0.2, torch.Generator().manual_seed(0))
    assert torch.equal(gamma + rest, omega)
    assert (gamma * rest).sum() == 0 and (gamma * acs_region(omega)).sum() == 0
    outside = float((omega * (1 - acs_region(omega))).sum())
    assert int(gamma.sum()) == round(0.2 * outside)


def test_gaussian_split_takes_rho_of_the_samples_mostly_near_the_centre():
    omega, _ = _line_mask(64, 64)
    theta, lam = gaussian_split(omega, 0.4, torch.Generator().manual_seed(0))
    assert torch.equal(theta + lam, omega) and (theta * lam).sum() == 0
    assert int(lam.sum()) == int(np.ceil(0.4 * float(omega.sum())))
    assert theta[30:34, 30:34].sum() == omega[30:34, 30:34].sum()  # the centre block stays in Theta
    rows = torch.arange(64).float()[:, None] - 32
    inner = (rows.abs() < 16).float()  # the Gaussian puts more of Lambda in the central half of the rows
    assert float((lam * inner).sum() / lam.sum()) > float((omega * inner).sum() / omega.sum()) + 0.1
    other = gaussian_split(omega, 0.4, torch.Generator().manual_seed(1))[1]
    assert not torch.equal(lam, other)


def test_l1_l2_loss_known_values():
    t = torch.tensor([3.0 + 4.0j, 0.0])
    assert float(l1_l2_loss(t, t)) == 0.0
    assert abs(float(l1_l2_loss(torch.zeros_like(t), t)) - 2.0) < 1e-6
    assert abs(float(l1_l2_loss(0.5 * t, t)) - 1.0) < 1e-6


def _slice(size=32, coils=4, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.meshgrid(np.linspace(-1, 1, size), np.linspace(-1, 1, size), indexing="ij")
    image = ((xx**2 / 0.7 + yy**2 / 0.5) < 1).astype(np.float32) * (0.6 + 0.4 * (xx > 0.1))
    image = image + 0.3 * ((xx - 0.2) ** 2 + (yy + 0.3) ** 2 < 0.05)
    maps = torch.from_numpy(coil_maps((size, size), coils))
    x = torch.from_numpy(image.astype(np.complex64))[None]
    full = MultiCoilCartesian(maps, torch.ones(size, size)).A(x)[0]
    noise = rng.standard_normal(full.shape) + 1j * rng.standard_normal(full.shape)
    noise = torch.from_numpy(noise.astype(np.complex64))
    return x[0], full + 0.01 * noise, maps


def test_fit_beats_cg_sense_on_a_small_slice():
    x, full, maps = _slice()
    omega, _ = _line_mask()
    y = full * omega
    settings = ZsSslSettings(iterations=60, masks=4, patience=60, unrolls=2, features=8, blocks=2, cg_iterations=5,
                             lr=3e-3, start="cg", mu=0.05)
    fit = fit_zs_ssl(y, maps, omega, settings, torch.Generator().manual_seed(0))
    op = MultiCoilCartesian(maps, omega)
    sense = data_consistency(op, op.A_adjoint(y[None]), torch.zeros(1, 32, 32, dtype=torch.complex64), 0.05, 10)

    def err(rec):
        return float(torch.linalg.vector_norm(rec[0].abs() - x.abs()))

    assert fit.image.shape == (1, 32, 32) and fit.steps == 60 and len(fit.validation_loss) == fit.epochs + 1 == 16
    assert fit.validation_loss[fit.best_epoch] == min(fit.validation_loss)
    assert err(fit.image) < 0.92 * err(sense)  # measured 0.89


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    x, full, maps = _slice()
    omega, _ = _line_mask()
    settings = ZsSslSettings(iterations=10_000, masks=2, patience=2, unrolls=1, features=4, blocks=1, cg_iterations=2,
                             lr=0.5, start="cg")  # a huge rate: the validation loss soon stops improving
    fit = fit_zs_ssl(full * omega, maps, omega, settings, torch.Generator().manual_seed(0))
    assert fit.epochs == fit.best_epoch + 2 and fit.steps == 2 * fit.epochs
    assert min(fit.validation_loss[fit.best_epoch + 1:]) >= fit.validation_loss[fit.best_epoch]


def test_same_generator_seed_same_reconstruction():
    _, full, maps = _slice()
    omega, _ = _line_mask()
    settings = ZsSslSettings(iterations=3, masks=2, patience=5, unrolls=1, features=4, blocks=1, cg_iterations=2)
    a = fit_zs_ssl(full * omega, maps, omega, settings, torch.Generator().manual_seed(3)).image
    b = fit_zs_ssl(full * omega, maps, omega, settings, torch.Generator().manual_seed(3)).image
    assert torch.equal(a, b)


def test_a_mask_with_nothing_outside_the_calibration_region_is_refused():
    _, full, maps = _slice()
    omega = torch.zeros(32, 32)
    omega[:, 12:20] = 1  # the calibration columns alone
    with pytest.raises(ValueError, match="left for validation"):
        fit_zs_ssl(full * omega, maps, omega, ZsSslSettings(iterations=1), torch.Generator().manual_seed(0))


def _solve(op, rhs_image, mu):
    """(A^H A + mu I)^{-1} rhs to convergence, by CG independent of the network code."""
    from denoisekit.api import conjugate_gradient

    return conjugate_gradient(lambda v: op.A_adjoint(op.A(v)) + mu * v, rhs_image, iterations=200, tol=0.0)


def test_cs_start_untrained_network_is_one_proximal_step_from_the_cs_image():
    _, full, maps = _slice()
    omega, _ = _line_mask()
    y = full * omega
    settings = ZsSslSettings(iterations=0, unrolls=1, features=4, blocks=1, cg_iterations=30, mu=0.7, start="cs")
    fit = fit_zs_ssl(y, maps, omega, settings, torch.Generator().manual_seed(0))
    assert fit.best_epoch == 0 and fit.steps == 0 and len(fit.validation_loss) == 1
    op = MultiCoilCartesian(maps, omega)
    cs = cs_start(y[None], maps, omega)
    b = op.A_adjoint(y[None])
    scale = float(torch.quantile(b.abs().flatten(), 0.99))  # D = identity: x = (A^H A + mu)^{-1}(A^H y + mu x_cs)
    expected = _solve(op, b / scale + 0.7 * cs / scale, 0.7) * scale
    assert float(torch.linalg.vector_norm(fit.image - expected) / torch.linalg.vector_norm(expected)) < 1e-3
    assert float(torch.linalg.vector_norm(fit.image - cs) / torch.linalg.vector_norm(cs)) > 1e-3  # not CS itself


def test_cs_start_with_a_useless_rate_keeps_the_untrained_network():
    _, full, maps = _slice()
    omega, _ = _line_mask()
    y = full * omega
    common = {"masks": 2, "patience": 2, "unrolls": 1, "features": 4, "blocks": 1, "cg_iterations": 3, "start": "cs"}
    untrained = fit_zs_ssl(y, maps, omega, ZsSslSettings(iterations=0, **common), torch.Generator().manual_seed(0))
    fit = fit_zs_ssl(y, maps, omega, ZsSslSettings(iterations=100, lr=5.0, **common), torch.Generator().manual_seed(0))
    assert fit.best_epoch == 0 and fit.epochs == 2  # every trained epoch validated worse than epoch 0
    assert torch.allclose(fit.image, untrained.image)


def test_unknown_start_is_refused():
    _, full, maps = _slice()
    omega, _ = _line_mask()
    with pytest.raises(ValueError, match="start must be"):
        fit_zs_ssl(full * omega, maps, omega, ZsSslSettings(iterations=1, start="zero"), torch.Generator())
