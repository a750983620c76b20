"""Linear forward operators y = A x for restoration: identity, masks, FFT blur and their algebra."""

from denoisekit.operators.base import Adjointness, Decomposable, ForwardOperator
from denoisekit.operators.blur import Blur, transfer_function
from denoisekit.operators.cg import conjugate_gradient, inner
from denoisekit.operators.composition import Composition, compose
from denoisekit.operators.identity import Identity
from denoisekit.operators.mask import Mask
from denoisekit.operators.scaled import Scaled
from denoisekit.operators.sum import Sum

__all__ = [
    "Adjointness",
    "Blur",
    "Composition",
    "Decomposable",
    "ForwardOperator",
    "Identity",
    "Mask",
    "Scaled",
    "Sum",
    "compose",
    "conjugate_gradient",
    "inner",
    "transfer_function",
]
