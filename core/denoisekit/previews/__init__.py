"""Previews: what ``report.png`` shows of a sample, as a list of panels (docs/writing-plugins.md, "Previews").

A :class:`~denoisekit.records.FormatRecord` may name its own ``preview``; otherwise
:func:`~denoisekit.previews.by_axes.preview_for` picks one of the core's from the sample's axes
and dtype: images (:mod:`.image`), complex images (:mod:`.complex_image`), cubes (:mod:`.cube`),
audio (:mod:`.audio`) and frame sequences (:mod:`.sequence`).
"""
