"""``report.png``: input / output / reference / difference panels and the metric table."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from denoisekit.sample import Sample


def view_2d(sample: Sample) -> np.ndarray:
    """A 2-D (or RGB) view: the middle slice of a volume, magnitude of complex data,
    the mean over time/extra channels; RGB kept for 3- or 4-channel images."""
    arr, axes = np.asarray(sample.array), sample.axes
    if np.iscomplexobj(arr):
        arr = np.abs(arr)
    for letter in "DT":
        if letter in axes:
            i = axes.index(letter)
            arr = np.take(arr, arr.shape[i] // 2, axis=i)
            axes = axes[:i] + axes[i + 1:]
    if "C" in axes:
        arr = np.moveaxis(arr, axes.index("C"), -1)
        if arr.shape[-1] not in (3, 4):
            arr = arr.mean(axis=-1)
        else:
            arr = arr[..., :3]
    while arr.ndim > 3 or (arr.ndim == 3 and arr.shape[-1] != 3):
        arr = arr[arr.shape[0] // 2]
    return arr.astype(np.float64)


DISPLAY_WINDOW = "display_window"  # Sample.meta key: (low, high) values shown black and white


def _scale(img: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip((img - lo) / (hi - lo if hi > lo else 1.0), 0, 1)


def make_report(
    path: Path,
    title: str,
    input: Sample,
    output: Sample,
    reference: Sample | None = None,
    metrics: Mapping[str, Mapping[str, float]] | None = None,
) -> None:
    """Write the report figure to ``path`` (PNG, matplotlib's Agg backend)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    views = {"input": view_2d(input), "output": view_2d(output)}
    if reference is not None:
        views["reference"] = view_2d(reference)
    # a reconstruction's input (sinogram, k-space) is not on the output's grid: own scale, no difference
    comparable = views["input"].shape == views["output"].shape
    base = views.get("reference", views["input"] if comparable else views["output"])
    window = (reference or input).meta.get(DISPLAY_WINDOW)  # a domain's display range (CT: a HU window)
    lo, hi = window if window is not None else np.percentile(base, [0.5, 99.5])
    diff = diff_title = None
    if reference is not None:
        diff, diff_title = views["output"] - views["reference"], "output - reference"
    elif comparable:
        diff, diff_title = views["input"] - views["output"], "input - output (removed)"

    n = len(views) + (diff is not None)
    has_table = bool(metrics)
    fig, axs = plt.subplots(1, n, figsize=(3.2 * n, 4.6 if has_table else 3.6), squeeze=False)
    for ax, (name, img) in zip(axs[0], views.items(), strict=False):
        own = name == "input" and not comparable
        ax.imshow(_scale(img, *(np.percentile(img, [0.5, 99.5]) if own else (lo, hi))), cmap="gray",
                  vmin=0, vmax=1, interpolation="nearest", aspect="auto" if own else "equal")
        ax.set_title(name)
    if diff is not None:
        if diff.ndim == 3:
            diff = diff.mean(axis=-1)
        d = float(np.percentile(np.abs(diff), 99.5)) or 1.0
        axs[0, -1].imshow(diff, cmap="RdBu_r", vmin=-d, vmax=d, interpolation="nearest")
        axs[0, -1].set_title(diff_title)
    for ax in axs[0]:
        ax.set_axis_off()
    fig.suptitle(title, fontsize=10)
    if has_table:
        names = sorted({m for values in metrics.values() for m in values})
        rows = [[k] + [f"{metrics[k].get(m, float('nan')):.4g}" for m in names] for k in metrics]
        table = fig.add_axes((0.2, 0.03, 0.6, 0.16))
        table.set_axis_off()
        table.table(cellText=rows, colLabels=["", *names], loc="center", cellLoc="center")
        fig.subplots_adjust(top=0.88, bottom=0.24, left=0.02, right=0.98, wspace=0.05)
    fig.savefig(path, dpi=100)
    plt.close(fig)
