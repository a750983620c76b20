"""What a :class:`~denoisekit.records.TrainingRecord`'s fit trains on: the ``--data`` folder of
``denoisekit train`` and the host's readers of every format the pipeline reads (docs/training.md).

So a pipeline trains on the same files it denoises (PNG, TIFF, NumPy, NIfTI, ENVI, ... as its record
lists them), without a reader of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from denoisekit.errors import InputError
from denoisekit.records import FormatRecord

if TYPE_CHECKING:
    from denoisekit.manager import PluginHost
    from denoisekit.sample import Sample


@dataclass(frozen=True)
class TrainingData:
    """A folder of training files and the formats that read them (the pipeline's, from the host)."""

    folder: Path
    formats: tuple[FormatRecord, ...]

    @classmethod
    def for_pipeline(cls, host: PluginHost, key: str, folder: Path) -> TrainingData:
        """``folder`` with the readers of the formats that the pipeline ``key`` lists, as ``host`` has them."""
        return cls(Path(folder), tuple(host.format(name) for name in host.pipeline(key).formats))

    @property
    def suffixes(self) -> list[str]:
        """Every suffix a format reads (and ``<folder>`` when one reads folders), sorted: for messages."""
        return sorted({s for f in self.formats for s in f.suffixes} | {"<folder>" for f in self.formats if f.directory})

    def format_of(self, path: Path) -> FormatRecord | None:
        """The format that reads ``path``: for a folder, one that reads folders; else the longest matching
        suffix (``.nii.gz`` before ``.gz``); None if none does."""
        if path.is_dir():
            return next((f for f in self.formats if f.directory), None)
        name = path.name.lower()
        matches = [(len(s), f) for f in self.formats for s in f.suffixes if name.endswith(s)]
        return max(matches, key=lambda m: m[0])[1] if matches else None

    def files(self, folder: Path | None = None) -> list[Path]:
        """The entries of ``folder`` (default: the data folder) that a format reads, sorted by name; the
        others (notes, an ENVI header's binary, hidden files) are skipped."""
        folder = self.folder if folder is None else Path(folder)
        if not folder.is_dir():
            raise InputError(folder, "the training data must be a folder")
        return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and self.format_of(p) is not None)

    def read(self, path: Path) -> Sample:
        """``path`` read by its format, as ``denoisekit run`` reads an input (NaN/Inf and empty files refused
        with an InputError naming the file)."""
        from denoisekit.runner import read_checked

        fmt = self.format_of(Path(path))
        if fmt is None:
            raise InputError(path, f"not a format this pipeline reads ({', '.join(self.suffixes)})")
        return read_checked(fmt, Path(path))
