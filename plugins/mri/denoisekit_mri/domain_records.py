"""Records of the mri domain (gathered by plugin.py): the multi-coil Cartesian operator. Only
``denoisekit.api`` is imported here; torch, h5py and nibabel load inside the factories.
"""

from __future__ import annotations

from denoisekit.api import OperatorRecord, lazy

_OP = "denoisekit_mri.coil_operator"

OPERATORS = [
    OperatorRecord(name="mri-multicoil-cartesian",
                   summary="Multi-coil Cartesian MRI: A x = mask * fft2c(maps * x), exact adjoint (SENSE model)",
                   factory=lazy(f"{_OP}:coil_operator"), example=lazy(f"{_OP}:example_operator")),
]
