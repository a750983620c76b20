"""Adjointness <A x, y> = <x, A^H y> (Re convention) of every operator, real and complex, CPU and CUDA."""

from __future__ import annotations

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
TOLERANCE = {torch.float32: 1e-5, torch.complex64: 1e-5, torch.float64: 1e-10, torch.complex128: 1e-10}


@pytest.mark.parametrize("dtype", list(TOLERANCE), ids=str)
@pytest.mark.parametrize("name", list(OPERATORS))
def test_adjointness(name: str, dtype: torch.dtype) -> None:
    factory, shape, real_ok = OPERATORS[name]
    if not real_ok and not dtype.is_complex:
        pytest.skip("complex-valued operator")
    error = factory().adjointness_test(shape, torch.Generator().manual_seed(1), dtype)
    assert error < TOLERANCE[dtype], error


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
        assert op.adjointness_test(shape, generator, torch.float32, device="cuda") < 1e-5
        assert op.adjointness_test(shape, generator, torch.complex64, device="cuda") < 1e-5
        x = torch.randn(shape, generator=generator, device="cuda")
        assert op(x).device.type == "cuda" and op.A_dagger(op(x)).device.type == "cuda"
