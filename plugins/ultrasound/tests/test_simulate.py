"""The PyMUST cardiac phantom: haze added in channel RF (y = x + h exactly, and through the linear beamformer),
haze lowers the cavity/myocardium gCNR, a sequence keeps its haze still while the heart moves."""

from __future__ import annotations

import numpy as np
import pytest
from denoisekit_ultrasound.datasets import simulate_sequence
from denoisekit_ultrasound.metrics import gcnr
from denoisekit_ultrasound.simulate import beamform, simulate_frame
from denoisekit_ultrasound.transforms import envelope, log_compress

TINY = {"scatterers": 2500, "nz": 96, "nx": 64}


@pytest.fixture(scope="module")
def frame():
    return simulate_frame(11, gain=0.9, noise=0.01, **TINY)


def test_hazy_is_clean_plus_haze_in_rf_and_after_beamforming(frame):
    assert np.array_equal(frame.rf_hazy, frame.rf_clean + frame.rf_haze)
    assert np.abs(frame.rf_haze).max() > 0.1 * np.abs(frame.rf_clean).max()  # the haze is not negligible
    direct = beamform(frame.rf_hazy, frame.z_axis, frame.x_axis)
    assert np.allclose(direct, frame.clean + frame.haze, rtol=0, atol=1e-9 * np.abs(direct).max())


def test_haze_lowers_gcnr(frame):
    r = frame.regions
    assert r["cavity"].sum() > 50 and r["myocardium"].sum() > 50
    g = {k: gcnr(*(log_compress(envelope(getattr(frame, k)))[r[m]] for m in ("cavity", "myocardium")))
         for k in ("clean", "hazy")}
    assert g["clean"] > 0.5 and g["hazy"] < g["clean"] - 0.1


def test_sequence_haze_is_static_and_tissue_moves():
    frames = simulate_sequence(12, frames=3, gain=0.9, noise=0.0, **TINY)
    assert np.allclose(frames[0].haze, frames[2].haze)
    assert not np.allclose(frames[0].clean, frames[1].clean)
    assert frames[1].regions["cavity"].sum() < frames[0].regions["cavity"].sum()  # the heart contracts
