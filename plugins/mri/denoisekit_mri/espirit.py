"""ESPIRiT coil sensitivity maps (Uecker et al., "ESPIRiT - an eigenvalue approach to autocalibrating
parallel MRI: where SENSE meets GRAPPA", MRM 71(3), 2014), in torch.

1. Calibration matrix A: every ky x kx patch of the fully sampled centre (C, cy, cx) as a row.
2. SVD A = U S V^H; the rows of V^H with s > ``threshold`` s_max span the signal subspace.
3. Each kept kernel v_j (C, ky, kx) becomes, in the image, g_j(r) = sum_a v_j(., a) e^{i r a}; the ESPIRiT
   operator at pixel r is W(r) = sum_j g_j(r) g_j(r)^H / (ky kx), computed here from the
   kernels' autocorrelation R_cd(s) = sum_j sum_b v_j(c, b + s) conj(v_j(d, b)) with one C x C set of FFTs.
4. The eigenvector of W(r) with eigenvalue ~1 is the coil-map vector at r; it is kept where the
   eigenvalue exceeds ``crop``, zero elsewhere, and its phase is taken relative to the first coil.

Small calibration regions: the kernel is clamped along each axis to (c + 1) // 2 for c calibration lines,
so it moves over at least as many positions as it is long (a 6 x 6 kernel in 7 lines has 2 positions
along that axis; the subspace is then mostly noise, the eigenvalues stay below the crop and the maps are
zero almost everywhere).
"""

from __future__ import annotations

import torch


def calibration_box(mask: torch.Tensor, shape: tuple[int, int], size: int = 24) -> tuple[slice, slice]:
    """The fully sampled centre of a 0/1 mask, (1, W) for lines (every row then sampled) or (H, W) for points:
    grown from the k-space centre (H // 2, W // 2) one row or column at a time while it stays fully sampled,
    at most ``size`` along each axis."""
    h, w = shape
    sampled = mask.bool().expand(h, w)
    top, bottom, left, right = h // 2, h // 2 + 1, w // 2, w // 2 + 1
    grown = True
    while grown:
        grown = False
        for axis, (lo, hi) in ((0, (top - 1, bottom + 1)), (1, (left - 1, right + 1))):
            for side, edge in ((0, lo), (1, hi - 1)):
                if axis == 0 and 0 <= edge < h and bottom - top < size and bool(sampled[edge, left:right].all()):
                    top, bottom = (edge, bottom) if side == 0 else (top, edge + 1)
                    grown = True
                elif axis == 1 and 0 <= edge < w and right - left < size and bool(sampled[top:bottom, edge].all()):
                    left, right = (edge, right) if side == 0 else (left, edge + 1)
                    grown = True
    return slice(top, bottom), slice(left, right)


def kernel_size(calib: tuple[int, int], kernel: int) -> tuple[int, int]:
    """The kernel clamped to the calibration region so that it takes at least as many positions as it is long
    along each axis: k <= (c + 1) // 2 (a kernel of 6 in 7 calibration lines would leave 2 positions, too few
    to tell the signal subspace from noise)."""
    return tuple(max(1, min(kernel, (c + 1) // 2)) for c in calib)


def espirit_maps(calib: torch.Tensor, shape: tuple[int, int], *, kernel: int = 6, threshold: float = 0.02,
                 crop: float = 0.95) -> torch.Tensor:
    """ESPIRiT maps (C, H, W) complex from calibration k-space ``calib`` (C, cy, cx) (centred, fully sampled)."""
    calib = calib.to(torch.complex128)
    c, cy, cx = calib.shape
    ky, kx = kernel_size((cy, cx), kernel)
    patches = calib.unfold(1, ky, 1).unfold(2, kx, 1)  # (C, py, px, ky, kx)
    rows = patches.permute(1, 2, 0, 3, 4).reshape(-1, c * ky * kx)
    _, s, vh = torch.linalg.svd(rows, full_matrices=False)
    kept = vh[s > threshold * s[0]]  # (n, C ky kx)
    v = kept.reshape(-1, c, ky, kx)  # rows of V^H: a basis of the patches (A = U S V^H)
    # autocorrelation R_cd(s) of the kernels on a (2ky - 1, 2kx - 1) grid, by FFT
    py, px = 2 * ky - 1, 2 * kx - 1
    vf = torch.fft.fft2(v, s=(py, px))
    rf = torch.einsum("jcyx,jdyx->cdyx", vf, vf.conj())
    r = torch.fft.ifft2(rf)  # R_cd(s) with s wrapped on the small grid
    h, w = shape
    r = r.to(torch.complex64)  # the (C, C, H, W) operator is the big array: 2 GB in complex128 for 16 coils
    big = torch.zeros((c, c, h, w), dtype=r.dtype, device=r.device)
    sy = torch.arange(-(ky - 1), ky, device=r.device)
    sx = torch.arange(-(kx - 1), kx, device=r.device)
    big[:, :, (sy % h)[:, None], (sx % w)[None, :]] = r[:, :, (sy % py)[:, None], (sx % px)[None, :]]
    # W(rho) = sum_s R(s) e^{i rho s}, on the pixel grid of ifft2c
    op = torch.fft.fftshift(torch.fft.ifft2(big, norm="forward"), dim=(-2, -1)) / (ky * kx)
    op = op.permute(2, 3, 0, 1).reshape(h * w, c, c)  # W(r) per pixel
    op = (op + op.conj().transpose(-1, -2)) / 2
    value = torch.empty(h * w, device=op.device)
    vector = torch.empty((h * w, c), dtype=op.dtype, device=op.device)
    for start in range(0, h * w, 1 << 16):  # in chunks: a fastMRI slice with 16 coils has 235k pixels
        values, vectors = torch.linalg.eigh(op[start:start + (1 << 16)])
        value[start:start + (1 << 16)], vector[start:start + (1 << 16)] = values[:, -1], vectors[..., -1]
    value, vector = value.reshape(h, w), vector.reshape(h, w, c)
    phase = vector[..., :1] / vector[..., :1].abs().clamp_min(1e-12)
    maps = vector * phase.conj() * (value > crop)[..., None]
    return maps.permute(2, 0, 1).to(torch.complex64)


def estimate_maps(kspace: torch.Tensor, mask: torch.Tensor, *, calibration: int = 24, kernel: int = 6,
                  threshold: float = 0.02, crop: float = 0.95) -> torch.Tensor:
    """ESPIRiT maps (N, C, H, W) of each slice of undersampled k-space (N, C, H, W) from its fully sampled
    centre; ``mask`` broadcasts to (N, 1, H, W) (one mask for all slices, or one per slice)."""
    n, c, h, w = kspace.shape
    maps = []
    for i in range(n):
        rows, cols = calibration_box(mask[i if mask.shape[0] > 1 else 0, 0], (h, w), calibration)
        maps.append(espirit_maps(kspace[i, :, rows, cols], (h, w), kernel=kernel, threshold=threshold,
                                 crop=crop))
    return torch.stack(maps)

