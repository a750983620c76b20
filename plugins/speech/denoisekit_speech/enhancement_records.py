"""Records of the classical speech pipelines (gathered by plugin.py): ``speech/wiener``."""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, lazy

FORMATS = ("wav", "flac")
METRICS = ("pesq_wb", "estoi", "si_sdr")

WIENER_OPTIONS = (
    Option(name="frame_ms", default=32.0, minimum=8.0, maximum=128.0,
           help="STFT window in ms (the same at every rate; tuned on speech-train valid), hop a quarter of it"),
    Option(name="alpha", default=0.98, minimum=0.0, maximum=0.999,
           help="decision-directed smoothing of the a priori SNR (Ephraim & Malah 1984)"),
    Option(name="gain_floor_db", default=-25.0, minimum=-60.0, maximum=0.0,
           help="floor of the Wiener gain in dB (tuned on speech-train valid)"),
)

PIPELINES = [
    PipelineRecord(name="wiener", domain="speech", factory=lazy("denoisekit_speech.wiener_pipeline:wiener_pipeline"),
                   summary="Classical STFT Wiener filter: decision-directed a priori SNR, SPP-MMSE noise tracker",
                   options=WIENER_OPTIONS, formats=FORMATS, metrics=METRICS),
]
