"""zea HDF5 (the zea / OpenH-RF layout, tue-bmd/zea ``zea/data/spec.py``), read and written with h5py:

- ``data/beamformed_data`` (frames, z, x, channels): 1 channel for RF, 2 for IQ (I, Q). Required. Its attribute
  ``kind`` ("rf" or "iq", written by us) is checked against the channels when present.
- ``data/raw_data`` (frames, transmits, samples, elements, channels), kept through a run when present.
- ``scan/z_axis``, ``scan/x_axis`` (m; must match the array), ``scan/center_frequency``,
  ``scan/sampling_frequency`` (Hz), ``scan/sound_speed`` (m/s).
- ``regions/<name>`` boolean (z, x) masks, or (frames, z, x) one per frame (``cavity``, ``myocardium``, ...),
  else those of ``<stem>.regions.npz`` beside the file.

The sample is the beamformed array as stored, axes ``THWC``; ``meta`` keeps the scan and raw data,
``regions`` the masks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from denoisekit.api import ImagePanel, InputError, Sample, check_file, reason
from denoisekit_ultrasound.transforms import DYNAMIC_RANGE, envelope, log_compress

SCAN_FIELDS = ("center_frequency", "sampling_frequency", "sound_speed")


def read_zea(path: Path) -> Sample:
    import h5py

    path = Path(path)
    check_file(path)
    try:
        with h5py.File(path, "r") as f:
            if "data/beamformed_data" not in f:
                raise InputError(path, "no beamformed data (data/beamformed_data) in the zea file")
            data = np.asarray(f["data/beamformed_data"])
            kind = str(f["data/beamformed_data"].attrs.get("kind", "")).lower()
            raw = np.asarray(f["data/raw_data"]) if "data/raw_data" in f else None
            scan = {k: np.asarray(v) for k, v in f["scan"].items()} if "scan" in f else {}
            found = {k: np.asarray(v, dtype=bool) for k, v in f["regions"].items()} if "regions" in f else {}
    except InputError:
        raise
    except Exception as exc:  # h5py raises OSError, KeyError, ValueError on broken files
        raise InputError(path, f"not a readable zea HDF5 file ({reason(exc)})") from None
    if data.ndim != 4 or data.shape[-1] not in (1, 2):
        raise InputError(path, f"data/beamformed_data must be (frames, z, x, 1 RF | 2 IQ), got shape {data.shape}"
                         + (" (IQ needs 2 channels: I and Q)" if data.ndim == 4 else ""))
    if kind == "iq" and data.shape[-1] != 2:
        raise InputError(path, f"IQ data need 2 channels (I, Q), data/beamformed_data has {data.shape[-1]}")
    if data.dtype.kind not in "fiu":
        raise InputError(path, f"data/beamformed_data must be real numbers, got dtype {data.dtype}")
    for name, size in (("z_axis", data.shape[1]), ("x_axis", data.shape[2])):
        if name in scan and scan[name].shape != (size,):
            raise InputError(path, f"scan/{name} has {scan[name].size} values but the data have {size} along it")
    found = found or _regions_beside(path)
    for name, mask in found.items():
        if mask.shape not in (data.shape[1:3], data.shape[:3]):
            raise InputError(path, f"region {name!r} is {mask.shape}, the frames are {data.shape[1:3]}")
    meta = {"scan": scan, "raw_data": raw}
    return Sample(array=data, axes="THWC", format="zea", meta=meta, path=path, regions=found or None,
                  rate=float(scan["frame_rate"]) if "frame_rate" in scan else None)


def _regions_beside(path: Path) -> dict[str, np.ndarray]:
    side = path.with_name(path.name.split(".")[0] + ".regions.npz")
    if not side.is_file():
        return {}
    with np.load(side) as z:
        return {k: np.asarray(z[k], dtype=bool) for k in z.files}


def write_zea(sample: Sample, path: Path) -> None:
    import h5py

    data = _as_thwc(sample)
    scan = dict(sample.meta.get("scan") or {})
    with h5py.File(path, "w") as f:
        f.create_dataset("data/beamformed_data", data=data)
        f["data/beamformed_data"].attrs["kind"] = "iq" if data.shape[-1] == 2 else "rf"
        raw = sample.meta.get("raw_data")
        if raw is not None:
            f.create_dataset("data/raw_data", data=raw)
        for key, value in scan.items():
            f.create_dataset(f"scan/{key}", data=value)
        for name, mask in (sample.regions or {}).items():
            f.create_dataset(f"regions/{name}", data=np.asarray(mask, dtype=bool))
        if sample.description:
            f.attrs["description"] = sample.description


def _as_thwc(sample: Sample) -> np.ndarray:
    if sample.axes == "THWC":
        return np.asarray(sample.array)
    order = [sample.axes.index(a) for a in "THWC" if a in sample.axes]
    data = np.transpose(sample.array, order)
    for i, a in enumerate("THWC"):
        if a not in sample.axes:
            data = np.expand_dims(data, i)
    return data


def frames_db(sample: Sample, dynamic_range: float = DYNAMIC_RANGE) -> np.ndarray:
    """B-mode frames (T, z, x) in dB of a ``THWC`` sample: envelope of IQ (2 channels) or of RF (1 channel,
    Hilbert along z), compressed against the sequence's peak."""
    data = _as_thwc(sample).astype(np.float64)
    signal = data[..., 0] + 1j * data[..., 1] if data.shape[-1] == 2 else data[..., 0]
    return log_compress(envelope(signal, axis=1), dynamic_range)


def preview_zea(sample: Sample) -> list[ImagePanel]:
    """B-mode (dB, 60 dB dynamic range) of the first, middle and last frame."""
    db = frames_db(sample)
    n = len(db)
    picks = (("B-mode", 0),) if n == 1 else (("B-mode first", 0), ("middle", n // 2), ("last", n - 1))
    return [ImagePanel(f"{title} (frame {i})", db[i], window=(-DYNAMIC_RANGE, 0.0)) for title, i in picks]


def example_zea() -> Sample:
    """Two IQ frames of speckle with a dark disc, the scan fields, regions and a tiny raw_data block."""
    rng = np.random.default_rng(0)
    zz, xx = np.mgrid[0:48, 0:40]
    disc = (zz - 24) ** 2 + (xx - 20) ** 2 < 100
    amp = np.where(disc, 0.05, 1.0)
    data = (amp[None, :, :, None] * rng.standard_normal((2, 48, 40, 2))).astype(np.float32)
    scan = {"z_axis": np.linspace(0.002, 0.05, 48), "x_axis": np.linspace(-0.02, 0.02, 40),
            "center_frequency": np.float64(2.72e6), "sampling_frequency": np.float64(10.88e6),
            "sound_speed": np.float64(1540.0)}
    regions = {"cavity": disc, "myocardium": ~disc}
    raw = rng.standard_normal((2, 1, 16, 8, 1)).astype(np.float32)
    return Sample(array=data, axes="THWC", format="zea", meta={"scan": scan, "raw_data": raw}, regions=regions)
