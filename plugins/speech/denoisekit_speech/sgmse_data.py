"""Clean/noisy training pairs in the sgmse layout (``{train,valid,test}/{clean,noisy}``, the same file name
in both folders) and random equal crops of them: the training data of speech/sgmse and speech/clearbuds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from denoisekit.api import InputError

Tensor = torch.Tensor
Pair = tuple[Tensor, Tensor]


def pair_files(root: Path, split: str, suffixes: Sequence[str]) -> list[tuple[Path, Path]]:
    """``(clean, noisy)`` paths of ``root/split``; an InputError naming the folder when it is missing, empty or
    a noisy file has no clean twin."""
    clean_dir, noisy_dir = Path(root) / split / "clean", Path(root) / split / "noisy"
    for folder in (clean_dir, noisy_dir):
        if not folder.is_dir():
            raise InputError(folder, "missing: the data must be in the sgmse layout {train,valid,test}/{clean,noisy}")
    noisy = sorted(p for p in noisy_dir.iterdir() if p.suffix.lower() in suffixes and not p.name.startswith("."))
    if not noisy:
        raise InputError(noisy_dir, f"no audio file ({', '.join(suffixes)}) in this folder")
    pairs = []
    for path in noisy:
        twin = clean_dir / path.name
        if not twin.is_file():
            raise InputError(twin, f"missing: the clean twin of {path}")
        pairs.append((twin, path))
    return pairs


def read_pairs(files: Sequence[tuple[Path, Path]], read: Callable[[Path], Tensor]) -> list[Pair]:
    """Each pair read with ``read(path) -> (n,) tensor at 16 kHz``; lengths must agree."""
    pairs = []
    for clean_path, noisy_path in files:
        clean, noisy = read(clean_path), read(noisy_path)
        if clean.shape != noisy.shape:
            raise InputError(noisy_path, f"{noisy.shape[-1]} samples but its clean twin has {clean.shape[-1]}")
        pairs.append((clean, noisy))
    return pairs


def random_pair_crops(pairs: Sequence[Pair], length: int, batch: int, generator: torch.Generator) -> Pair:
    """``batch`` crops of ``length`` samples at the same place in clean and noisy, files drawn in proportion to
    their length; a file shorter than ``length`` is zero-padded at the end."""
    device = generator.device  # the trainer's generator lives on the training device
    sizes = torch.tensor([float(c.shape[-1]) for c, _ in pairs], device=device)
    which = torch.multinomial(sizes, batch, replacement=True, generator=generator).tolist()
    cleans, noisys = [], []
    for i in which:
        clean, noisy = pairs[i]
        n = clean.shape[-1]
        start = int(torch.randint(0, max(1, n - length + 1), (1,), generator=generator, device=device))
        c, y = clean[..., start:start + length], noisy[..., start:start + length]
        if c.shape[-1] < length:
            pad = length - c.shape[-1]
            c, y = torch.nn.functional.pad(c, (0, pad)), torch.nn.functional.pad(y, (0, pad))
        cleans.append(c)
        noisys.append(y)
    return torch.stack(cleans), torch.stack(noisys)
