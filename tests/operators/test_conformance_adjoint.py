"""The conformance kit's adjointness check uses the rounding-derived tolerance: it passes an exact
adjoint of any size and fails a wrong one, including one off by far less than its old fixed 1e-8."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from denoisekit.hookspecs import hookimpl
from denoisekit.manager import PluginHost, PluginInfo
from denoisekit.operators import Blur
from denoisekit.records import OperatorRecord
from denoisekit.testing import plugin_checks

KERNEL = torch.rand(5, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


class SlippedBlur(Blur):
    """A blur whose adjoint is A^H scaled by 1 + ``slip`` (the convolution itself when ``slip`` is None)."""

    def __init__(self, kernel: torch.Tensor, slip: float | None):
        super().__init__(kernel)
        self.slip = slip

    def A_adjoint(self, y: torch.Tensor) -> torch.Tensor:
        return self.A(y) if self.slip is None else (1 + self.slip) * super().A_adjoint(y)


def operator(name: str, slip: float | None, shape: tuple[int, ...]) -> OperatorRecord:
    build = (lambda: Blur(KERNEL)) if slip == 0 else (lambda: SlippedBlur(KERNEL, slip))
    return OperatorRecord(name=name, summary="a test blur", factory=build, example=lambda: (build(), shape))


class OperatorPlugin:
    @hookimpl
    def register_operators(self) -> list[OperatorRecord]:
        return [operator("exact-large", 0, (2, 3, 256, 256)), operator("exact-small", 0, (1, 1, 8, 8)),
                operator("convolution", None, (1, 1, 16, 16)), operator("slip-1e-9", 1e-9, (1, 1, 16, 16))]


@pytest.fixture(scope="module")
def checks() -> dict[str, object]:
    host = PluginHost(load_entrypoints=False)
    info = PluginInfo("adjoint-fixture", "denoisekit-adjoint-fixture", "1.0", "loaded")
    host.plugins[info.name] = info
    host.register_plugin(OperatorPlugin(), info)
    return {c.id: c for c in plugin_checks(info.name, host)}


@pytest.mark.parametrize("name", ["exact-large", "exact-small"])
def test_the_kit_passes_an_exact_adjoint(checks: dict, name: str, tmp_path: Path) -> None:
    checks[f"operator:{name}:adjoint"](tmp_path)


@pytest.mark.parametrize("name", ["convolution", "slip-1e-9"])
def test_the_kit_fails_a_wrong_adjoint(checks: dict, name: str, tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match=rf"operator '{name}': <Ax, y> and <x, A\^H y> differ by .* float64"):
        checks[f"operator:{name}:adjoint"](tmp_path)
