"""Noise schedules: ``x_t = scale(t) (x0 + sigma(t) eps) + shift(t, y)`` and the matching SDE."""

from denoisekit.schedules.base import NoiseSchedule, per_sample
from denoisekit.schedules.discrete_vp import DiscreteVP
from denoisekit.schedules.edm import EDM
from denoisekit.schedules.ouve import OUVE
from denoisekit.schedules.schrodinger_bridge import SBVE
from denoisekit.schedules.truncated import Truncated
from denoisekit.schedules.ve import VE
from denoisekit.schedules.ve_sigma_t import VESigmaT
from denoisekit.schedules.vp import VP

__all__ = ["DiscreteVP", "EDM", "NoiseSchedule", "OUVE", "SBVE", "Truncated", "VE", "VESigmaT", "VP", "per_sample"]
