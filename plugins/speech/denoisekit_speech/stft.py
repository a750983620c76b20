"""The complex STFT representation of SGMSE+ (Richter et al., IEEE/ACM TASLP 2023, Sec. IV-A).

A 16 kHz waveform, divided by the maximum absolute value of the noisy input, becomes a one-sided STFT
with ``n_fft = 510`` (256 frequency bins), hop 128, a periodic Hann window and centred frames; each
coefficient is amplitude-compressed, ``c = beta |X|^alpha e^{j angle X}`` with ``alpha = 0.5`` and
``beta = 0.15``, which brings the heavy-tailed STFT magnitudes to a range the score network handles
(Eq. 11). The frame axis is padded to a multiple of the backbone's total down-sampling stride.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

Tensor = torch.Tensor


@dataclass(frozen=True)
class SpecTransform:
    """Waveform <-> compressed complex spectrogram ``(..., n_fft // 2 + 1, frames)``."""

    n_fft: int = 510
    hop: int = 128
    alpha: float = 0.5
    beta: float = 0.15

    @property
    def bins(self) -> int:
        return self.n_fft // 2 + 1

    def _window(self, like: Tensor) -> Tensor:
        return torch.hann_window(self.n_fft, periodic=True, device=like.device, dtype=like.dtype)

    def stft(self, wave: Tensor) -> Tensor:
        """``(..., n)`` real -> ``(..., bins, frames)`` complex, ``frames = n // hop + 1`` (centred)."""
        lead = wave.shape[:-1]
        spec = torch.stft(wave.reshape(-1, wave.shape[-1]), self.n_fft, self.hop, window=self._window(wave),
                          center=True, return_complex=True)
        return spec.reshape(*lead, *spec.shape[-2:])

    def istft(self, spec: Tensor, length: int) -> Tensor:
        """Inverse of :meth:`stft` (least-squares overlap-add) cut or zero-padded to ``length`` samples."""
        lead = spec.shape[:-2]
        window = self._window(spec.real)
        wave = torch.istft(spec.reshape(-1, *spec.shape[-2:]), self.n_fft, self.hop, window=window, center=True,
                           length=length)
        return wave.reshape(*lead, length)

    def compress(self, spec: Tensor) -> Tensor:
        """``beta |X|^alpha e^{j angle X}`` (Eq. 11)."""
        return torch.polar(self.beta * spec.abs() ** self.alpha, spec.angle())

    def expand(self, c: Tensor) -> Tensor:
        """Inverse of :meth:`compress`: ``(|c| / beta)^{1 / alpha} e^{j angle c}``."""
        return torch.polar((c.abs() / self.beta) ** (1.0 / self.alpha), c.angle())

    def forward(self, wave: Tensor) -> Tensor:
        """Waveform -> compressed spectrogram (the waveform is expected already normalised)."""
        return self.compress(self.stft(wave))

    def inverse(self, c: Tensor, length: int) -> Tensor:
        """Compressed spectrogram -> waveform of ``length`` samples."""
        return self.istft(self.expand(c), length)


def peak_normaliser(noisy: Tensor) -> float:
    """SGMSE+'s factor ``1 / max|y|``, the same for the noisy input and its clean target; 1 for silence."""
    peak = float(noisy.abs().max()) if noisy.numel() else 0.0
    return 1.0 / peak if peak > 0 else 1.0


def pad_frames(spec: Tensor, multiple: int) -> Tensor:
    """Zero-pad the last (frame) axis to a multiple of ``multiple`` (the backbone's stride)."""
    extra = -spec.shape[-1] % multiple
    return F.pad(spec, (0, extra)) if extra else spec
