"""Load weights and checkpoints safely: ``torch.load(weights_only=True)`` only, with one-line
errors naming the file (a pickle that would run code is refused, never executed)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from denoisekit.errors import InputError


def load_weights(path: str | Path, map_location: Any = "cpu") -> Any:
    """Tensors, dicts, lists and primitive values saved with ``torch.save``; nothing else."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "weights file not found")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else "unsupported content"
        raise InputError(path, f"refused: not a weights-only checkpoint ({first})") from None
    except (RuntimeError, EOFError, ValueError, OSError) as e:
        raise InputError(path, f"not a readable torch checkpoint ({type(e).__name__})") from None
