"""``report.png``: input / output / reference / difference columns, one row per panel of the samples'
preview (:mod:`denoisekit.previews`), and the metric table."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.previews.by_axes import preview_for
from denoisekit.previews.panels import ImagePanel, LinePanel, Panel
from denoisekit.sample import Sample

Preview = Callable[[Sample], Sequence[Panel]]
PERCENTILES = (0.5, 99.5)


def _same(a: Panel | None, b: Panel | None) -> bool:
    """Whether two panels can be compared value by value (same kind and shape)."""
    if a is None or b is None or type(a) is not type(b):
        return False
    if isinstance(a, ImagePanel):
        return a.image.shape == b.image.shape
    return a.y.shape == b.y.shape


def _values(panel: Panel) -> np.ndarray:
    return panel.image if isinstance(panel, ImagePanel) else panel.y


def _window(panel: Panel) -> tuple[float, float]:
    """The panel's own window, else the percentiles of its values."""
    if isinstance(panel, ImagePanel) and panel.window is not None:
        return panel.window
    lo, hi = np.percentile(_values(panel), PERCENTILES)
    return float(lo), float(hi)


def _draw(ax: Any, panel: Panel, window: tuple[float, float], title: str) -> None:
    ax.set_title(f"{title}: {panel.title}" if panel.title else title, fontsize=9)
    lo, hi = window
    if isinstance(panel, LinePanel):
        for curve in np.atleast_2d(panel.y):
            ax.plot(panel.x, curve, linewidth=0.6)
        pad = 0.05 * (hi - lo) or 1.0
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlabel(panel.labels[0], fontsize=8)
        ax.set_ylabel(panel.labels[1], fontsize=8)
        if panel.legend:
            ax.legend(panel.legend, fontsize=6)
        ax.tick_params(labelsize=7)
        return
    img = panel.image
    if img.ndim == 3:  # RGB: one scale for the three channels
        shown, cmap, vmin, vmax = np.clip((img - lo) / (hi - lo if hi > lo else 1.0), 0, 1), None, None, None
    else:
        shown, cmap, vmin, vmax = img, panel.cmap, lo, hi if hi > lo else lo + 1.0
    if panel.extent is not None:
        ax.imshow(shown, cmap=cmap, vmin=vmin, vmax=vmax, extent=panel.extent, origin="lower", aspect="auto",
                  interpolation="nearest")
        ax.set_xlabel(panel.labels[0], fontsize=8)
        ax.set_ylabel(panel.labels[1], fontsize=8)
        ax.tick_params(labelsize=7)
        return
    ax.imshow(shown, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    for r, c in panel.marks:
        ax.plot(c, r, marker="+", color="yellow", markersize=8)
    ax.set_axis_off()


def _draw_difference(ax: Any, a: Panel, b: Panel, title: str) -> None:
    """``a - b`` on a symmetric red-blue scale (colour images: the mean over the channels)."""
    diff = _values(a) - _values(b)
    d = float(np.percentile(np.abs(diff), PERCENTILES[1])) or 1.0
    ax.set_title(f"{title}: {a.title}" if a.title else title, fontsize=9)
    if isinstance(a, LinePanel):
        for curve in np.atleast_2d(diff):
            ax.plot(a.x, curve, linewidth=0.6)
        ax.set_ylim(-1.05 * d, 1.05 * d)
        ax.tick_params(labelsize=7)
        return
    if diff.ndim == 3:
        diff = diff.mean(axis=-1)
    if a.extent is not None:
        ax.imshow(diff, cmap="RdBu_r", vmin=-d, vmax=d, extent=a.extent, origin="lower", aspect="auto",
                  interpolation="nearest")
        ax.tick_params(labelsize=7)
        return
    ax.imshow(diff, cmap="RdBu_r", vmin=-d, vmax=d, interpolation="nearest")
    ax.set_axis_off()


def make_report(
    path: Path,
    title: str,
    input: Sample,
    output: Sample,
    reference: Sample | None = None,
    metrics: Mapping[str, Mapping[str, float]] | None = None,
    preview: Preview | None = None,
) -> None:
    """Write the report figure to ``path`` (PNG, matplotlib's Agg backend).

    ``preview`` (the format's) turns each sample into panels; None: :func:`preview_for` by its axes.
    Row ``j`` holds panel ``j`` of every sample; a row's values share the base's window (the
    reference's panel, else the input's when comparable, else the output's), a panel's own ``window``
    (the sample's ``display_window``) first. The input keeps its own scale when its panel differs in
    shape from the output's (a sinogram, k-space). The last column shows ``output - reference``, else
    ``input - output`` (what was removed), for panels with ``compare``.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    show = preview or preview_for
    samples = {"input": input, "output": output} | ({"reference": reference} if reference is not None else {})
    panels = {name: list(show(sample)) for name, sample in samples.items()}
    rows = max(len(p) for p in panels.values())
    grid = [{name: (p[j] if j < len(p) else None) for name, p in panels.items()} for j in range(rows)]
    against, diff_title = ("reference", "output - reference") if reference is not None else \
        ("input", "input - output (removed)")
    diffs = [row["output"] is not None and row["output"].compare and _same(row["output"], row[against])
             for row in grid]
    cols = len(samples) + any(diffs)
    has_table = bool(metrics)
    fig, axs = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.3 * rows + (1.0 if has_table else 0.3)),
                            squeeze=False)
    for j, row in enumerate(grid):
        comparable = _same(row["input"], row["output"])
        base = row.get("reference") or (row["input"] if comparable else row["output"]) or row["input"]
        window = _window(base) if base is not None else (0.0, 1.0)
        for k, (name, panel) in enumerate(row.items()):
            ax = axs[j, k]
            if panel is None:
                ax.set_axis_off()
                continue
            own = name == "input" and not comparable
            _draw(ax, panel, _window(panel) if own or not _same(panel, base) else window, name)
        if any(diffs):
            ax = axs[j, -1]
            if diffs[j]:
                first, second = (row["output"], row["reference"]) if reference is not None else \
                    (row["input"], row["output"])
                _draw_difference(ax, first, second, diff_title)
            else:
                ax.set_axis_off()
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 1.0 / (3.3 * rows + 1.0) if has_table else 0, 1, 0.95))
    if has_table:
        names = sorted({m for values in metrics.values() for m in values})
        cells = [[k] + [f"{metrics[k].get(m, float('nan')):.4g}" for m in names] for k in metrics]
        table = fig.add_axes((0.2, 0.01, 0.6, 0.8 / (3.3 * rows + 1.0)))
        table.set_axis_off()
        table.table(cellText=cells, colLabels=["", *names], loc="center", cellLoc="center")
    fig.savefig(path, dpi=100)
    plt.close(fig)
