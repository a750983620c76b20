"""Records of the speech domain (gathered by plugin.py): the ``speech`` domain and its sample, the WAV and FLAC
formats, the speech metrics and the datasets. Only ``denoisekit.api`` is imported here; soundfile, torch, pesq
and pystoi load inside the factories.
"""

from __future__ import annotations

from denoisekit.api import DatasetRecord, DomainRecord, FormatRecord, MetricRecord, lazy

_FMT = "denoisekit_speech.audio_format"
_MET = "denoisekit_speech.metrics"

DOMAIN = DomainRecord(
    name="speech", summary="Speech enhancement: WAV and FLAC at any rate, mono or two-microphone",
    demo_pipeline="wiener", build_sample=lazy("denoisekit_speech.sample:build_speech_sample"))

FORMATS = [
    FormatRecord(name="wav", summary="WAV audio via soundfile: any rate, any channels, PCM 8/16/24/32-bit or float",
                 suffixes=(".wav",), read=lazy(f"{_FMT}:read_wav"), write=lazy(f"{_FMT}:write_wav"),
                 example=lazy(f"{_FMT}:example_wav"), preview=lazy(f"{_FMT}:audio_preview")),
    FormatRecord(name="flac", summary="FLAC audio via soundfile: any rate, any channels, 8/16/24-bit (lossless)",
                 suffixes=(".flac",), read=lazy(f"{_FMT}:read_flac"), write=lazy(f"{_FMT}:write_flac"),
                 example=lazy(f"{_FMT}:example_flac"), preview=lazy(f"{_FMT}:audio_preview")),
]

METRICS = [
    MetricRecord(name="pesq_wb", summary="Wide-band PESQ (ITU-T P.862.2, MOS-LQO 1 to 4.64) at 16 kHz, pesq",
                 fn=lazy(f"{_MET}:pesq_wb"), needs=("rate",)),
    MetricRecord(name="estoi", summary="Extended STOI intelligibility (Jensen & Taal 2016) in [0, 1], pystoi",
                 fn=lazy(f"{_MET}:estoi"), needs=("rate",)),
    MetricRecord(name="si_sdr", summary="Scale-invariant SDR in dB (Le Roux et al. 2019)", fn=lazy(f"{_MET}:si_sdr")),
]

DATASETS = [
    DatasetRecord(name="speech-sample", domain="speech", build=lazy("denoisekit_speech.sample:build_speech_sample_set"),
                  open=lazy("denoisekit_speech.sample:PairFolder"),
                  summary="3 s of formant-synthesised speech at 16 kHz with pink noise and mains hum at 5 dB"),
    DatasetRecord(name="speech-train", domain="speech", build=lazy("denoisekit_speech.train_set:build_speech_train"),
                  open=lazy("denoisekit_speech.sample:PairFolder"),
                  summary="Clean/noisy speech pairs at 16 kHz, sgmse layout: Debian speech, espeak-ng, CC0 noise"),
    DatasetRecord(name="speech-reverb", domain="speech", build=lazy("denoisekit_speech.train_set:build_speech_reverb"),
                  open=lazy("denoisekit_speech.sample:PairFolder"),
                  summary="speech-train's utterances in 24 simulated rooms (RT60 0.3-1 s), direct-path targets"),
    DatasetRecord(name="speech-talkers", domain="speech",
                  build=lazy("denoisekit_speech.talkers:build_speech_talkers"),
                  open=lazy("denoisekit_speech.talkers:TalkerFolder"),
                  summary="Real wideband talkers at 16 kHz (KLettres, one speaker per language) for babble"),
]
