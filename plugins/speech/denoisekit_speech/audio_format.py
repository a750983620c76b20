"""WAV and FLAC through soundfile (libsndfile), at any sample rate, mono or multichannel.

A file is read as it is stored: the array is (samples, channels), axes ``TC`` (a mono file has one channel),
in the dtype that holds its subtype exactly (16-bit and 8-bit PCM as int16, 24- and 32-bit PCM as int32,
32-bit float as float32, 64-bit float as float64); ``Sample.rate`` is the file's rate and ``meta`` keeps its
container and subtype, so that the writer gives back the same rate, subtype and container. The sample's
``description`` travels in the file's comment field. torchaudio's load/save are not used (they need FFmpeg).

:func:`to_float` and :func:`from_float` convert between the stored values and floats in [-1, 1] (full scale).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from denoisekit.api import InputError, Sample, UserError, check_file, reason

# libsndfile subtype -> the numpy dtype that holds it exactly (soundfile scales PCM to fill the dtype)
_DTYPES = {"PCM_S8": "int16", "PCM_U8": "int16", "PCM_16": "int16", "PCM_24": "int32", "PCM_32": "int32",
           "FLOAT": "float32", "DOUBLE": "float64"}
# full scale of each stored dtype: soundfile maps PCM's full scale onto the dtype's range
_FULL_SCALE = {"int16": 32768.0, "int32": 2147483648.0, "float32": 1.0, "float64": 1.0}
# libsndfile containers read under each format: a .wav may be plain RIFF WAVE, WAVE_FORMAT_EXTENSIBLE (common for
# 24-bit and multichannel files) or RF64 (over 4 GB); the writer keeps the one read
_FAMILIES = {"WAV": ("WAV", "WAVEX", "RF64"), "FLAC": ("FLAC",)}


def full_scale(dtype: Any) -> float:
    """The value of digital full scale for an array of ``dtype`` as read here (1.0 for floats)."""
    return _FULL_SCALE.get(np.dtype(dtype).name, 1.0)


def to_float(sample: Sample) -> np.ndarray:
    """The sample's values as float32 in full-scale units ([-1, 1] for audio that is not clipped)."""
    return (np.asarray(sample.array, dtype=np.float64) / full_scale(sample.array.dtype)).astype(np.float32)


def from_float(values: np.ndarray, like: Sample) -> Sample:
    """``values`` (full-scale units, ``like``'s shape) in ``like``'s dtype: integers rounded and clipped."""
    dtype = like.array.dtype
    scaled = np.asarray(values, dtype=np.float64) * full_scale(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        scaled = np.clip(np.rint(scaled), info.min, info.max)
    return like.with_array(scaled.astype(dtype))


def _read(path: Path, container: str) -> Sample:
    import soundfile as sf

    check_file(path)
    try:
        with sf.SoundFile(str(path)) as f:
            if f.format not in _FAMILIES[container]:
                raise InputError(path, f"is a {f.format} file, not {container}")
            if f.subtype not in _DTYPES:
                raise InputError(path, f"audio subtype {f.subtype} is not supported "
                                       f"(use one of {', '.join(sorted(_DTYPES))})")
            dtype = _DTYPES[f.subtype]
            array = f.read(dtype=dtype, always_2d=True)
            meta = {"container": f.format, "subtype": f.subtype, "endian": f.endian}
            comment = f.comment or None
            rate = float(f.samplerate)
    except InputError:
        raise
    except Exception as e:  # libsndfile: not audio, truncated header, unsupported encoding
        raise InputError(path, f"cannot read as {container} audio ({reason(e)})") from None
    if array.shape[0] == 0:
        raise InputError(path, "holds no audio samples")
    return Sample(array=array, axes="TC", format=container.lower(), meta=meta, path=path, rate=rate,
                  description=comment)


def read_wav(path: Path) -> Sample:
    return _read(Path(path), "WAV")


def read_flac(path: Path) -> Sample:
    return _read(Path(path), "FLAC")


def _write(sample: Sample, path: Path, container: str) -> None:
    import soundfile as sf

    if sample.rate is None:
        raise UserError(f"{path}: the sample has no rate to write as {container}")
    if set(sample.axes) - set("TC") or "T" not in sample.axes:
        raise UserError(f"{path}: audio needs axes T or TC, not {sample.axes!r}")
    array = np.asarray(sample.array)
    array = array.reshape(-1, 1) if sample.axes == "T" else (array.T if sample.axes == "CT" else array)
    stored = sample.meta.get("subtype")
    float_scale = full_scale(_DTYPES[stored]) if stored in _DTYPES else 1.0
    read_as = sample.meta.get("container")
    same_family = read_as in _FAMILIES[container]
    container = read_as if same_family else container
    subtype = stored if same_family else None
    if subtype is None or not sf.check_format(container, subtype):
        subtype = {"float32": "FLOAT", "float64": "DOUBLE"}.get(array.dtype.name, "PCM_16")
        if container == "FLAC" and subtype in ("FLOAT", "DOUBLE"):
            subtype = "PCM_24"
    dtype = _DTYPES[subtype]
    if array.dtype.name != dtype:  # e.g. a float result of a 16-bit file
        array = _cast(array, dtype, float_scale)
    endian = sample.meta.get("endian", "FILE") if subtype == sample.meta.get("subtype") else "FILE"
    with sf.SoundFile(str(path), "w", samplerate=int(round(sample.rate)), channels=array.shape[1],
                      format=container, subtype=subtype, endian=endian) as f:
        if sample.description:
            f.comment = sample.description[:1000]
        f.write(np.ascontiguousarray(array))


def _cast(array: np.ndarray, dtype: str, float_scale: float) -> np.ndarray:
    """``array`` in ``dtype`` at the same level: integers are in their own dtype's full scale (an int16 signal
    written as 24-bit keeps its level), floats in ``float_scale`` units (a 16-bit file's result as floats from
    ``View.restore`` is on the int16 scale; a float sample made from nothing is in full-scale units, 1.0)."""
    unit = full_scale(array.dtype) if array.dtype.kind in "iu" else float_scale
    values = np.asarray(array, dtype=np.float64) * (full_scale(dtype) / unit)
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        values = np.clip(np.rint(values), info.min, info.max)
    return values.astype(dtype)


def write_wav(sample: Sample, path: Path) -> None:
    _write(sample, Path(path), "WAV")


def write_flac(sample: Sample, path: Path) -> None:
    _write(sample, Path(path), "FLAC")


def _example(container: str) -> Sample:
    """One second of a stereo 16-bit chirp pair at 16 kHz (the conformance kit's round trip)."""
    rate = 16000
    t = np.arange(rate) / rate
    left = 0.3 * np.sin(2 * np.pi * (200 + 800 * t) * t)
    right = 0.2 * np.sin(2 * np.pi * 440 * t)
    array = np.rint(np.stack([left, right], axis=1) * 32767).astype(np.int16)
    return Sample(array=array, axes="TC", format=container.lower(), rate=float(rate),
                  meta={"container": container, "subtype": "PCM_16"})


def example_wav() -> Sample:
    return _example("WAV")


def example_flac() -> Sample:
    return _example("FLAC")


def audio_preview(sample: Sample) -> list:
    """The core's waveform and spectrogram panels, in full-scale units."""
    from denoisekit.api import audio_preview as core_preview

    return core_preview(sample.with_array(to_float(sample)) if sample.array.dtype.kind in "iu" else sample)
