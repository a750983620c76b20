"""Zero-shot self-supervised reconstruction (ZS-SSL; Yaman, Hosseini, Akçakaya, "Zero-Shot Self-Supervised
Learning for MRI Reconstruction", ICLR 2022): the unrolled network of :mod:`denoisekit_mri.unrolled` fitted to
the one scan being reconstructed.

The acquired locations Omega are split into a validation set Gamma and K pairs (Theta_k, Lambda_k) of
Omega \\ Gamma (:mod:`denoisekit_mri.zs_ssl_masks`). Training feeds Theta_k and scores the
prediction on Lambda_k with SSDU's normalised l1-l2 k-space loss (Yaman et al. MRM 2020); validation
feeds Omega \\ Gamma and scores on Gamma. The paper's automated early stopping: training stops once
the validation loss has not improved for ``patience`` epochs (one epoch = one pass over the K pairs), and the
weights of the best validation loss are kept. The reconstruction feeds all of Omega.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch

from denoisekit.api import max_wavelet_levels
from denoisekit_mri.coil_operator import MultiCoilCartesian
from denoisekit_mri.reconstruction import cs_wavelet
from denoisekit_mri.unrolled import Unrolled
from denoisekit_mri.zs_ssl_masks import gaussian_split, validation_split


@dataclass(frozen=True)
class ZsSslSettings:
    """The fit's settings (the pipeline's options of the same names)."""

    iterations: int = 300
    masks: int = 10
    patience: int = 6
    rho: float = 0.4
    validation: float = 0.2
    lr: float = 1e-3
    unrolls: int = 5
    features: int = 16
    blocks: int = 3
    cg_iterations: int = 5
    start: str = "cg"
    mu: float = 0.05


def cs_start(y: torch.Tensor, maps: torch.Tensor, fed: torch.Tensor) -> torch.Tensor:
    """mri/cs-wavelet with its default options (wavelet-l1 FISTA) from the samples ``fed`` of y (1, C, H, W)."""
    from denoisekit_mri.reconstruction_records import CS_OPTIONS

    cs = {o.name: o.default for o in CS_OPTIONS}
    levels = min(cs["levels"], max_wavelet_levels(*maps.shape[-2:], cs["moments"]))
    if levels < 1:
        raise ValueError(f"a {maps.shape[-2]} x {maps.shape[-1]} slice is too small or odd-sized for the CS start's "
                         "wavelet (use start=cg)")
    lipschitz = float(torch.sum(maps.abs() ** 2, dim=0).amax().clamp_min(1e-12))
    return cs_wavelet(MultiCoilCartesian(maps, fed), y * fed, cs["lam"], cs["iterations"], levels,
                      cs["moments"], lipschitz, cs["tikhonov"])


def l1_l2_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """||t - p||_2 / ||t||_2 + ||t - p||_1 / ||t||_1 over all entries (SSDU's normalised l1-l2 loss)."""
    diff = (target - prediction).flatten()
    t = target.flatten()
    return torch.linalg.vector_norm(diff, 2) / torch.linalg.vector_norm(t, 2) + \
        torch.linalg.vector_norm(diff, 1) / torch.linalg.vector_norm(t, 1)


def _reconstruct(net: Unrolled, y: torch.Tensor, maps: torch.Tensor, fed: torch.Tensor,
                 x0: torch.Tensor | None) -> torch.Tensor:
    """The network's image from the samples ``fed`` (from x0 when given, else MoDL's own start)."""
    op = MultiCoilCartesian(maps, fed)
    return net.from_adjoint(op.A_adjoint(y * fed), op, start=x0)


def _masked_loss(net: Unrolled, y: torch.Tensor, maps: torch.Tensor, fed: torch.Tensor, scored: torch.Tensor,
                 x0: torch.Tensor | None) -> torch.Tensor:
    """The loss of the reconstruction from the samples ``fed`` on the samples ``scored``."""
    x = _reconstruct(net, y, maps, fed, x0)
    return l1_l2_loss(MultiCoilCartesian(maps, scored).A(x), y * scored)


@dataclass
class ZsSslFit:
    """A fit's outcome: the reconstruction (1, H, W), the best epoch (0: the untrained network), epochs run,
    steps and the loss curves (validation_loss[e] after epoch e, from e = 0)."""

    image: torch.Tensor
    best_epoch: int
    epochs: int
    steps: int
    train_loss: list[float]
    validation_loss: list[float]


def fit_zs_ssl(kspace: torch.Tensor, maps: torch.Tensor, omega: torch.Tensor, settings: ZsSslSettings,
               generator: torch.Generator) -> ZsSslFit:
    """Fit the network to one slice and reconstruct it.

    kspace: (C, H, W) complex, zero outside ``omega``; maps: (C, H, W) complex; omega: (H, W) 0/1 mask of the
    acquired locations; ``generator`` gives the splits and the initial weights (on kspace's device).
    """
    s = settings
    device = kspace.device
    y = kspace[None]
    omega = (omega > 0).to(device=device, dtype=kspace.real.dtype)
    gamma, rest = validation_split(omega, s.validation, generator)
    if not bool(gamma.any()):
        raise ValueError("no acquired sample outside the calibration region is left for validation "
                         "(the acquisition is fully sampled, or too small)")
    pairs = [gaussian_split(rest, s.rho, generator) for _ in range(s.masks)]
    seed = int(torch.randint(0, 2**62, (), generator=generator, device=device))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = Unrolled(s.unrolls, s.features, s.blocks, s.cg_iterations, mu=s.mu).to(device)
    if s.start == "cs":
        with torch.no_grad():
            net.denoiser.tail.weight.zero_()
            net.denoiser.tail.bias.zero_()
            starts = [cs_start(y, maps, theta) for theta, _ in pairs]
            start_rest, start_all = cs_start(y, maps, rest), cs_start(y, maps, omega)
    elif s.start == "cg":
        starts, start_rest, start_all = [None] * len(pairs), None, None
    else:
        raise ValueError(f"start must be 'cs' or 'cg', not {s.start!r}")
    optimiser = torch.optim.Adam(net.parameters(), lr=s.lr)

    def validation() -> float:
        with torch.no_grad():
            return float(_masked_loss(net, y, maps, rest, gamma, start_rest))

    best, best_state, best_epoch = validation(), copy.deepcopy(net.state_dict()), 0
    train_curve: list[float] = []
    val_curve: list[float] = [best]
    step = epoch = 0
    while step < s.iterations and epoch - best_epoch < s.patience:
        epoch += 1
        total, count = 0.0, 0
        for (theta, lam), x0 in zip(pairs, starts, strict=True):
            if step >= s.iterations:
                break
            loss = _masked_loss(net, y, maps, theta, lam, x0)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            total += float(loss.detach())
            step, count = step + 1, count + 1
        train_curve.append(total / count)
        val = validation()
        val_curve.append(val)
        if val < best:
            best, best_state, best_epoch = val, copy.deepcopy(net.state_dict()), epoch
    net.load_state_dict(best_state)
    with torch.no_grad():
        image = _reconstruct(net, y, maps, omega, start_all)
    return ZsSslFit(image, best_epoch, epoch, step, train_curve, val_curve)
