"""Loading a network's weights file written by ``denoisekit train`` (or the one shipped with the plugin), with
one-line errors naming the file: shared by the MRI pipelines that run trained networks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from denoisekit.api import InputError, UserError, load_weights

T = TypeVar("T")


def load_trained(name: str, path: str, shipped: Path, build: Callable[[dict[str, Any]], T],
                 what: str = "network") -> tuple[T, dict[str, Any], Path]:
    """``build(payload)``, the payload and the file: ``path`` ('' = ``shipped``), a dict with the ``arch`` and
    ``state`` that ``denoisekit train NAME`` writes, read with ``weights_only``."""
    file = Path(path).expanduser() if path else shipped
    if not path and not file.is_file():
        raise UserError(f"{name}: no shipped weights in this install; train some with 'denoisekit train {name} "
                        "--data DIR' and pass --set weights=DIR/weights.pt")
    payload = load_weights(file)
    if not isinstance(payload, dict) or "arch" not in payload or "state" not in payload:
        raise InputError(file, f"not {name} weights (expected the 'arch' and 'state' written by denoisekit train)")
    try:
        return build(payload), payload, file
    except (RuntimeError, TypeError, KeyError) as e:
        raise InputError(file, f"weights do not fit the {what} ({type(e).__name__})") from None
