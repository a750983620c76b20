"""Cardiac-like phantoms for a phased array: scatterers in a 60 degree sector with an anechoic left-ventricle
ellipse, a brighter myocardium ring around it and a strong chest wall at 4-14 mm, plus the region masks
(cavity, myocardium) on the image grid. Each phantom's geometry is drawn from a seed (position, size and tilt of
the heart, wall brightness), so training and held-out phantoms differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SECTOR = np.pi / 3  # the diverging wave's angular width (60 degrees)
WALL = (0.004, 0.014)  # chest wall depth range, m


@dataclass(frozen=True)
class Heart:
    """The left ventricle: centre (x, z) in m, semi-axes (lateral, axial) in m, tilt in rad, wall thickness in m."""

    x: float
    z: float
    a: float
    b: float
    tilt: float
    thickness: float

    def radius(self, x: np.ndarray, z: np.ndarray, grow: float = 0.0) -> np.ndarray:
        """The normalised elliptic radius of points (1 on the ellipse grown by ``grow`` m along both axes)."""
        c, s = np.cos(self.tilt), np.sin(self.tilt)
        u = c * (x - self.x) + s * (z - self.z)
        v = -s * (x - self.x) + c * (z - self.z)
        return np.sqrt((u / (self.a + grow)) ** 2 + (v / (self.b + grow)) ** 2)

    def cavity(self, x: np.ndarray, z: np.ndarray, margin: float = 0.0) -> np.ndarray:
        return self.radius(x, z, -margin) < 1.0

    def myocardium(self, x: np.ndarray, z: np.ndarray, margin: float = 0.0) -> np.ndarray:
        return (self.radius(x, z, margin) >= 1.0) & (self.radius(x, z, self.thickness - margin) < 1.0)


@dataclass(frozen=True)
class Phantom:
    """Scatterers (x, z, reflection coefficient), the heart and the maximum depth."""

    x: np.ndarray
    z: np.ndarray
    rc: np.ndarray
    heart: Heart
    depth: float

    @property
    def wall(self) -> np.ndarray:
        """The chest-wall scatterers (their echoes are the sources of the multipath haze)."""
        return (self.z >= WALL[0]) & (self.z < WALL[1])


def random_heart(rng: np.random.Generator, depth: float) -> Heart:
    """A heart whose centre, size, tilt and wall thickness vary with ``rng`` and fit inside ``depth``."""
    scale = depth / 0.08
    b = rng.uniform(0.15, 0.2) * depth
    return Heart(x=rng.uniform(-0.06, 0.06) * depth, z=rng.uniform(0.55, 0.62) * depth,
                 a=rng.uniform(0.5, 0.65) * b, b=b, tilt=rng.uniform(-0.25, 0.25),
                 thickness=rng.uniform(0.007, 0.01) * scale)


def make_phantom(seed: int, depth: float = 0.08, scatterers: int = 10000, squeeze: float = 0.0) -> Phantom:
    """A phantom of ``scatterers`` points uniform in the sector up to ``depth`` (m), with Gaussian reflection
    coefficients scaled per region: cavity 0.03 (blood), tissue 1, myocardium 2 to 3, chest wall 3 to 5.
    ``squeeze`` contracts the heart by that fraction: the scatterers below the chest wall move towards its centre
    (a displacement fading away from the heart) and keep their reflection coefficients."""
    rng = np.random.default_rng(seed)
    heart = random_heart(rng, depth)
    r = depth * np.sqrt(rng.uniform(0.0, 1.0, scatterers))  # uniform density in the sector
    theta = rng.uniform(-SECTOR / 2, SECTOR / 2, scatterers)
    x, z = r * np.sin(theta), r * np.cos(theta)
    gain = np.ones(scatterers)
    gain[heart.myocardium(x, z)] = rng.uniform(2.0, 3.0)
    gain[heart.cavity(x, z)] = 0.03
    gain[(z >= WALL[0]) & (z < WALL[1])] = rng.uniform(3.0, 5.0)
    if squeeze:
        fade = np.exp(-np.maximum(heart.radius(x, z) - 1.0, 0.0) ** 2 / 0.5) * (z >= WALL[1] + 0.004)
        x, z = x - squeeze * fade * (x - heart.x), z - squeeze * fade * (z - heart.z)
        heart = Heart(x=heart.x, z=heart.z, a=heart.a * (1 - squeeze), b=heart.b * (1 - squeeze), tilt=heart.tilt,
                      thickness=heart.thickness * (1 - squeeze))
    return Phantom(x=x, z=z, rc=gain * rng.standard_normal(scatterers), heart=heart, depth=depth)


def regions(heart: Heart, xs: np.ndarray, zs: np.ndarray, margin: float = 0.001) -> dict[str, np.ndarray]:
    """Boolean (z, x) masks on the grid ``zs`` x ``xs`` (m): ``cavity`` and ``myocardium``, each ``margin`` m inside
    its boundaries and inside the sector."""
    xx, zz = np.meshgrid(xs, zs)
    inside = np.abs(np.arctan2(xx, zz)) < SECTOR / 2 - 0.05
    return {"cavity": heart.cavity(xx, zz, margin) & inside, "myocardium": heart.myocardium(xx, zz, margin) & inside}
