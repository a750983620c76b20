"""Layouts: a sample's array in the order a method wants and back (:mod:`.adapters`, :mod:`.view`), and the one
per-slice loop (:mod:`.slice_loop`). See docs/writing-plugins.md, "Layouts and the per-slice loop"."""

from denoisekit.layouts.adapters import INTERLEAVE_AXES, as_audio, as_coils, as_cube, as_frames, as_stack
from denoisekit.layouts.slice_loop import for_each_slice, slice_context
from denoisekit.layouts.view import View, to_view

__all__ = ["INTERLEAVE_AXES", "View", "as_audio", "as_coils", "as_cube", "as_frames", "as_stack", "for_each_slice",
           "slice_context", "to_view"]
