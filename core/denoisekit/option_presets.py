"""Presets for the options that recur across pipelines, so each has one name and one wording everywhere.

Names (docs/writing-plugins.md, "Option names"): ``iterations`` counts the optimiser steps of a fit (a
zero-shot fit on the input or a training); ``steps`` is kept for the steps of a diffusion sampler's reverse
process, a different quantity. ``lr``, ``batch``, ``patch`` and ``clip`` mean the same in every pipeline.
Each preset takes what differs between pipelines (default, bounds, a detail appended to the help).
"""

from __future__ import annotations

from denoisekit.records import Option


def _help(text: str, detail: str) -> str:
    return f"{text} ({detail})" if detail else text


def iterations(default: int, maximum: int = 100_000, *, minimum: int = 1, detail: str = "",
               name: str = "iterations") -> Option:
    """``iterations``: optimiser steps of a fit (``name``: a qualified form, ``inner_iterations``)."""
    return Option(name=name, default=default, minimum=minimum, maximum=maximum,
                  help=_help("optimiser steps of the fit", detail))


def lr(default: float, *, minimum: float = 0.0, maximum: float = 1.0, detail: str = "Adam") -> Option:
    """``lr``: the optimiser's learning rate."""
    return Option(name="lr", default=default, minimum=minimum, maximum=maximum,
                  help=_help("learning rate", detail))


def batch(default: int, maximum: int, *, of: str = "patches per optimiser step") -> Option:
    """``batch``: how many items go through the network at once (``of`` says which, per what)."""
    return Option(name="batch", default=default, minimum=1, maximum=maximum, help=f"batch size: {of}")


def patch(default: int, *, minimum: int = 2, maximum: int = 512, detail: str = "") -> Option:
    """``patch``: the side of the random square training patches."""
    return Option(name="patch", default=default, minimum=minimum, maximum=maximum,
                  help=_help("side of the random square training patches", detail))


def clip(*, to: str = "the integer dtype's range, or to the input's [min, max] for floats") -> Option:
    """``clip`` (on by default): clip the output to the range ``to`` describes."""
    return Option(name="clip", default=True, help=f"clip the output to {to}")
