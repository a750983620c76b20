"""Adjointness <A x, y> = <x, A^H y> (Re convention) of every operator, real and complex, CPU and CUDA."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch

from denoisekit.operators import Blur, Composition, ForwardOperator, Identity, Mask, Scaled, Sum, compose

G = torch.Generator().manual_seed(0)
KERNEL_2D = torch.rand(5, 3, generator=G, dtype=torch.float64)
KERNEL_EVEN = torch.rand(4, 4, generator=G, dtype=torch.float64)
KERNEL_3D = torch.rand(3, 3, 2, generator=G, dtype=torch.float64)
KERNEL_COMPLEX = torch.randn(3, 3, generator=G, dtype=torch.complex128)
WEIGHTS = torch.rand(8, 7, generator=G, dtype=torch.float64)
BINARY = (torch.rand(8, 7, generator=G) > 0.5).double()

SHAPE_2D, SHAPE_3D = (2, 3, 8, 7), (2, 2, 5, 6, 7)
OPERATORS: dict[str, tuple[Callable[[], ForwardOperator], tuple[int, ...], bool]] = {
    # name: (factory, x shape, real inputs allowed)
    "identity": (Identity, SHAPE_2D, True),
    "mask-weights": (lambda: Mask(WEIGHTS), SHAPE_2D, True),
    "mask-binary": (lambda: Mask(BINARY), SHAPE_2D, True),
    "blur-2d": (lambda: Blur(KERNEL_2D), SHAPE_2D, True),
    "blur-even": (lambda: Blur(KERNEL_EVEN), SHAPE_2D, True),
    "blur-3d": (lambda: Blur(KERNEL_3D), SHAPE_3D, True),
    "blur-complex-kernel": (lambda: Blur(KERNEL_COMPLEX), SHAPE_2D, False),
    "mask@blur": (lambda: Mask(BINARY) @ Blur(KERNEL_2D), SHAPE_2D, True),
    "compose-3": (lambda: compose(Mask(WEIGHTS), Blur(KERNEL_EVEN), Blur(KERNEL_2D)), SHAPE_2D, True),
    "scaled": (lambda: 2.5 * Blur(KERNEL_2D), SHAPE_2D, True),
    "scaled-complex": (lambda: Scaled(Blur(KERNEL_2D), 0.5 - 2j), SHAPE_2D, False),
    "sum": (lambda: Blur(KERNEL_2D) + Mask(WEIGHTS), SHAPE_2D, True),
}
DTYPES = [torch.float32, torch.complex64, torch.float64, torch.complex128]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", list(OPERATORS))
def test_adjointness(name: str, dtype: torch.dtype) -> None:
    factory, shape, real_ok = OPERATORS[name]
    if not real_ok and not dtype.is_complex:
        pytest.skip("complex-valued operator")
    for seed in range(8):  # the tolerance is a rounding bound, so it holds for any x, y (the old 1e-5 did not)
        check = factory().adjointness(shape, torch.Generator().manual_seed(seed), dtype)
        assert check.passed, (seed, check)


def test_the_tolerance_follows_size_and_precision() -> None:
    check = Mask(WEIGHTS).adjointness(SHAPE_2D, torch.Generator().manual_seed(0), torch.float32)
    assert check.tolerance == pytest.approx(4 * math.sqrt(2 * 3 * 8 * 7) * torch.finfo(torch.float32).eps)
    check = Mask(WEIGHTS).adjointness(SHAPE_2D, torch.Generator().manual_seed(0), torch.complex128)
    assert check.tolerance == pytest.approx(4 * math.sqrt(2 * 2 * 3 * 8 * 7) * torch.finfo(torch.float64).eps)
    assert Identity().adjointness(SHAPE_2D).error == 0


class _WrongAdjoint(Blur):
    """A blur whose "adjoint" is off: the convolution itself (A instead of A^T), or A^H scaled by 1 + ``slip``."""

    def __init__(self, kernel: torch.Tensor, slip: float | None = None):
        super().__init__(kernel)
        self.slip = slip

    def A_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        return self.A(y) if self.slip is None else (1 + self.slip) * super().A_adjoint(y)


WRONG = [(KERNEL_2D, None, dtype) for dtype in DTYPES] + [(KERNEL_EVEN, None, torch.float32)] + [
    (KERNEL_2D, 1e-6, dtype) for dtype in (torch.float64, torch.complex128)]  # float32 cannot resolve 1e-6


@pytest.mark.parametrize(("kernel", "slip", "dtype"), WRONG,
                         ids=[f"{'convolution' if s is None else f'scaled-{s:g}'}-{k.shape[0]}x{k.shape[1]}-{d}"
                              for k, s, d in WRONG])
def test_a_wrong_adjoint_fails(kernel: torch.Tensor, slip: float | None, dtype: torch.dtype) -> None:
    for seed in range(8):
        check = _WrongAdjoint(kernel, slip).adjointness(SHAPE_2D, torch.Generator().manual_seed(seed), dtype)
        assert not check.passed, (seed, check)


def test_operator_algebra_builds_the_expected_maps() -> None:
    x = torch.randn(SHAPE_2D, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    mask, blur = Mask(WEIGHTS), Blur(KERNEL_2D)
    composed = mask @ blur
    assert isinstance(composed, Composition)
    torch.testing.assert_close(composed(x), mask.A(blur.A(x)), rtol=0, atol=1e-12)
    torch.testing.assert_close(composed.A_adjoint(x), blur.A_adjoint(mask.A_adjoint(x)), rtol=0, atol=1e-12)
    assert len((mask @ composed).ops) == 3  # nested compositions are flattened
    assert compose(blur) is blur
    torch.testing.assert_close((3 * blur)(x), 3 * blur(x))
    torch.testing.assert_close((blur + mask)(x), blur(x) + mask(x))
    assert isinstance(blur * 2, Scaled) and isinstance(blur + mask, Sum)
    with pytest.raises(ValueError, match="non-zero"):
        Scaled(blur, 0)


def test_real_inputs_stay_real_and_precision_follows_the_input() -> None:
    x = torch.randn(SHAPE_2D, generator=torch.Generator().manual_seed(3))
    for op in (Blur(KERNEL_2D), Mask(WEIGHTS), Mask(BINARY) @ Blur(KERNEL_3D[..., 0])):
        assert op(x).dtype == torch.float32 and op.A_adjoint(x).dtype == torch.float32
    assert Blur(KERNEL_2D)(x.to(torch.complex128)).dtype == torch.complex128


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_adjointness_on_cuda() -> None:
    generator = torch.Generator("cuda").manual_seed(0)
    for name in ("mask-weights", "blur-2d", "blur-3d", "mask@blur"):
        factory, shape, _ = OPERATORS[name]
        op = factory()
        for dtype in (torch.float32, torch.complex64):
            check = op.adjointness(shape, generator, dtype, device="cuda")
            assert check.passed, (name, dtype, check)
        x = torch.randn(shape, generator=generator, device="cuda")
        assert op(x).device.type == "cuda" and op.A_dagger(op(x)).device.type == "cuda"
