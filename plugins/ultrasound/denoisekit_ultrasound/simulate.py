"""Paired clean / haze / hazy cardiac frames simulated with PyMUST (Garcia, "SIMUS", Comput. Methods Programs
Biomed. 2022): a P4-2v phased array, one diverging wave of 60 degrees, channel RF of a :mod:`.phantom`, and
reverberation haze after Byram & Shu (J. Med. Imaging 3(4), 2016): the channel RF of groups of chest-wall
scatterers delayed (three coherent in-wall multiples and six diffuse delays, exponential with mean depth / 4) and
attenuated, added to the CHANNEL data, plus white channel noise. The haze ``h`` is the multiples plus the noise,
so ``y = x + h`` holds exactly in channel RF and, as every later step is linear (demodulation, delay-and-sum),
in the beamformed RF/IQ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from denoisekit_ultrasound.phantom import SECTOR, Phantom, make_phantom, regions

C = 1540.0  # sound speed, m/s
PULSE_DELAY = 1.15e-6  # s: SIMUS echoes come this late (a point at 40 mm images at 41.8 mm with t0 = 0)
FNUMBER = None  # receive f-number of the delay-and-sum; None: from the element directivity (PyMUST)


@dataclass(frozen=True)
class Frame:
    """One simulated frame on the (z, x) grid: beamformed IQ of tissue ``x``, haze ``h`` and hazy ``y = x + h``,
    the channel RF of each (time, elements), the grid axes (m), region masks and the acquisition parameters."""

    clean: np.ndarray
    haze: np.ndarray
    hazy: np.ndarray
    rf_clean: np.ndarray
    rf_haze: np.ndarray
    rf_hazy: np.ndarray
    z_axis: np.ndarray
    x_axis: np.ndarray
    regions: dict[str, np.ndarray]
    center_frequency: float
    sampling_frequency: float


def _param():
    import pymust

    return pymust.getparam("P4-2v")


def channel_rf(phantom_x: np.ndarray, phantom_z: np.ndarray, rc: np.ndarray, samples: int) -> np.ndarray:
    """PyMUST SIMUS channel RF (samples, elements) of point scatterers for the 60 degree diverging wave."""
    import pymust

    param = _param()
    delays = pymust.txdelay(param, 0, SECTOR)
    options = pymust.utils.Options()
    options.ParPool = False
    if len(rc) == 0:
        return np.zeros((samples, param.Nelements))
    rf = pymust.simus(phantom_x, phantom_z, rc, delays, param, options)[0].astype(np.float64)
    out = np.zeros((samples, rf.shape[1]))
    n = min(samples, rf.shape[0])
    out[:n] = rf[:n]
    return out


def _shift(rf: np.ndarray, delay: int) -> np.ndarray:
    out = np.zeros_like(rf)
    if delay < rf.shape[0]:
        out[delay:] = rf[: rf.shape[0] - delay]
    return out


def reverberation_haze(phantom: Phantom, samples: int, fs: float, rng: np.random.Generator,
                       groups: int = 8) -> np.ndarray:
    """Multipath haze in channel RF (Byram & Shu 2016): the chest-wall scatterers split into ``groups`` random
    groups; each group's channel echo is re-added 3 times delayed by multiples of a random in-wall round trip
    (2 to 8 mm; amplitudes 0.6^k) and 6 times delayed by round trips drawn from Exp(depth / 4) (amplitudes
    uniform in [0.1, 0.4]). The wavefront keeps the shallow source's curvature, so delay-and-sum defocuses it
    into diffuse haze that fills the cavity. Returned at unit scale (the caller sets the gain)."""
    wall = np.flatnonzero(phantom.wall)
    label = rng.integers(0, groups, wall.size)
    haze = np.zeros((samples, _param().Nelements))
    for g in range(groups):
        idx = wall[label == g]
        rf = channel_rf(phantom.x[idx], phantom.z[idx], phantom.rc[idx], samples)
        trip = rng.uniform(0.002, 0.008)
        for k in (1, 2, 3):
            haze += 0.6**k * _shift(rf, int(round(2 * k * trip / C * fs)))
        for d in rng.exponential(phantom.depth / 4, 6):
            haze += rng.uniform(0.1, 0.4) * _shift(rf, int(round(2 * d / C * fs)))
    return haze


def beamform(rf: np.ndarray, z_axis: np.ndarray, x_axis: np.ndarray, matrix=None) -> np.ndarray:
    """Delay-and-sum IQ image (z, x) of channel RF: PyMUST rf2iq (demodulation at the centre frequency, the
    probe's bandwidth, so linear) then the DAS matrix for the diverging wave."""
    import pymust

    param = _param()
    param.fs = 4 * param.fc
    iq = pymust.rf2iq(rf, param.fs, param.fc, param.bandwidth)
    if matrix is None:
        matrix = das_matrix(iq.shape, z_axis, x_axis)
    return (matrix @ iq.flatten(order="F")).reshape(len(z_axis), len(x_axis), order="F")


def das_matrix(shape: tuple[int, int], z_axis: np.ndarray, x_axis: np.ndarray):
    """PyMUST's sparse delay-and-sum matrix from IQ channel data of ``shape`` to the (z, x) grid (kept for the
    last few grids: the frames of a sequence share it)."""
    key = (tuple(shape), z_axis.tobytes(), x_axis.tobytes())
    if key not in _DAS:
        if len(_DAS) > 3:
            _DAS.pop(next(iter(_DAS)))
        _DAS[key] = _das_matrix(tuple(shape), z_axis, x_axis)
    return _DAS[key]


_DAS: dict = {}


def _das_matrix(shape: tuple[int, int], z_axis: np.ndarray, x_axis: np.ndarray):
    import pymust

    param = _param()
    param.fs = 4 * param.fc
    param.fnumber = FNUMBER
    param.t0 = np.array([-PULSE_DELAY])
    delays = pymust.txdelay(param, 0, SECTOR)
    xx, zz = np.meshgrid(x_axis, z_axis)
    return pymust.dasmtx(1j * np.array(shape), xx, zz, delays, param)


def grid(depth: float, nz: int, nx: int) -> tuple[np.ndarray, np.ndarray]:
    """The (z, x) axes in m: depth from 2 mm to ``depth``, width that of the sector at ``depth``."""
    half = depth * np.sin(SECTOR / 2)
    return np.linspace(0.002, depth, nz), np.linspace(-half, half, nx)


def simulate_frame(seed: int, *, gain: float = 0.35, noise: float = 0.01, depth: float = 0.08,
                   scatterers: int = 10000, nz: int = 256, nx: int = 192) -> Frame:
    """One paired frame of phantom ``seed``. ``gain``: the multipath haze's channel-RF RMS as a fraction of the
    tissue's channel-RF RMS; ``noise``: the white channel noise's std as a fraction of the tissue's channel-RF
    std."""
    return simulate_frames(seed, (0.0,), gain=gain, noise=noise, depth=depth, scatterers=scatterers, nz=nz, nx=nx)[0]


def simulate_frames(seed: int, squeezes: tuple[float, ...], *, gain: float = 0.35, noise: float = 0.01,
                    depth: float = 0.08, scatterers: int = 10000, nz: int = 256, nx: int = 192) -> list[Frame]:
    """Frames of phantom ``seed`` with the heart contracted by each of ``squeezes`` (:func:`.phantom.make_phantom`):
    the tissue moves, the chest wall does not, so the multipath haze (simulated once, scaled against the first
    frame) is the same in every frame; the channel noise is drawn per frame."""
    rng = np.random.default_rng(seed + 1_000_003)
    param = _param()
    fs = 4 * param.fc
    samples = int(np.ceil(2 * np.hypot(depth, 0.02) / C * fs)) + 64
    z_axis, x_axis = grid(depth, nz, nx)
    frames, multipath = [], None
    for squeeze in squeezes:
        phantom = make_phantom(seed, depth, scatterers, squeeze)
        clean = channel_rf(phantom.x, phantom.z, phantom.rc, samples)
        if multipath is None:
            multipath = reverberation_haze(phantom, samples, fs, rng)
            multipath *= gain * clean.std() / max(multipath.std(), 1e-30)
        haze = multipath + noise * clean.std() * rng.standard_normal(clean.shape)
        matrix = das_matrix(clean.shape, z_axis, x_axis)
        iq_clean, iq_haze = beamform(clean, z_axis, x_axis, matrix), beamform(haze, z_axis, x_axis, matrix)
        frames.append(Frame(clean=iq_clean, haze=iq_haze, hazy=iq_clean + iq_haze, rf_clean=clean, rf_haze=haze,
                            rf_hazy=clean + haze, z_axis=z_axis, x_axis=x_axis,
                            regions=regions(phantom.heart, x_axis, z_axis), center_frequency=float(param.fc),
                            sampling_frequency=float(fs)))
    return frames
