"""Records of the learned speech pipelines (speech/sgmse, speech/clearbuds), gathered by plugin.py.

``PIPELINES``: their PipelineRecords (registered by ``register_pipelines``). ``TRAINING``: their
TrainingRecords; the host has no hook of its own for them (a TrainingRecord is a PipelineRecord's
``training`` field), so this list only gathers them for the pipelines above.
"""

from __future__ import annotations

from denoisekit.api import Option, PipelineRecord, TrainingRecord, lazy, option_presets

FORMATS = ("wav", "flac")
METRICS = ("pesq_wb", "estoi", "si_sdr")

SGMSE_OPTIONS = (
    Option(name="weights", default="",
           help="'' = the shipped tiny CPU-trained network named by checkpoint; else a weights.pt of "
                "'denoisekit train speech/sgmse'"),
    Option(name="checkpoint", default="denoise", choices=("denoise", "dereverb", "denoise-ouve"),
           help="shipped weights: the Schroedinger bridge for denoising or dereverberation, or SGMSE+'s OUVE "
                "score model for denoising (use steps=30 with it)"),
    Option(name="steps", default=1, minimum=1, maximum=200,
           help="reverse-diffusion steps N of the sampler: the bridge's ODE for Schroedinger-bridge weights (N + 1 "
                "network evaluations; 1 measured best), predictor-corrector for OUVE weights (2 N + 1; the paper: 30)"),
    Option(name="snr", default=0.5, minimum=0.01, maximum=1.0,
           help="signal-to-noise ratio r of the Langevin corrector (OUVE weights; the bridge has no corrector)"),
    Option(name="chunk_s", default=8.0, minimum=1.0, maximum=60.0,
           help="seconds of 16 kHz audio enhanced at once (memory is bounded by one chunk)"),
    Option(name="overlap_s", default=0.5, minimum=0.0, maximum=10.0, help="seconds shared by consecutive chunks"),
    Option(name="mix", default=0.0, minimum=0.0, maximum=1.0,
           help="share of the input in the output: (1 - mix) enhanced + mix input (less speech removed)"),
)

SGMSE_TRAINING_OPTIONS = (
    Option(name="process", default="ouve", choices=("ouve", "sb-ve"),
           help="ouve: SGMSE+'s score matching on the OUVE SDE; sb-ve: the Schroedinger bridge (data prediction)"),
    Option(name="size", default="tiny", choices=("tiny", "small", "m", "paper"),
           help="backbone size: tiny (1.5 M, CPU), small (5.9 M), m (NCSN++M, 23.6 M), paper (NCSN++, 58 M)"),
    option_presets.iterations(3000, 2_000_000),
    option_presets.batch(4, 256, of="random crops per optimiser step"),
    Option(name="crop_frames", default=128, minimum=16, maximum=1024,
           help="STFT frames per random crop, hop 128 at 16 kHz (the paper: 256, about 2 s)"),
    option_presets.lr(2e-4),
    Option(name="ema", default=0.999, minimum=0.0, maximum=0.99999, help="decay of the weights' moving average"),
    Option(name="checkpoint_every", default=500, minimum=1, maximum=1_000_000,
           help="optimiser steps between checkpoints"),
    Option(name="babble", default=0.0, minimum=0.0, maximum=1.0,
           help="share of the crops whose noise is replaced by babble of 3-6 other training utterances at 0-15 dB"),
)

CLEARBUDS_OPTIONS = (
    Option(name="two_mic", default=True,
           help="a two-channel file goes through the two-microphone network (else each channel on its own)"),
    Option(name="weights_1mic", default="",
           help="'' = the shipped one-microphone network; else a weights.pt of 'denoisekit train speech/clearbuds'"),
    Option(name="weights_2mic", default="",
           help="'' = the shipped two-microphone network; else a weights.pt trained with --set mics=2"),
    Option(name="mix", default=0.0, minimum=0.0, maximum=1.0,
           help="share of the (reference-microphone) input in the output: (1 - mix) enhanced + mix input"),
)

CLEARBUDS_TRAINING_OPTIONS = (
    Option(name="mics", default=1, choices=(1, 2),
           help="microphones: 2 simulates the second one from the mono pairs (speech in front, noise from the side)"),
    option_presets.iterations(3000, 2_000_000),
    option_presets.batch(8, 256, of="random crops per optimiser step"),
    Option(name="seconds", default=1.0, minimum=0.1, maximum=10.0, help="length of the random crops in seconds"),
    option_presets.lr(1e-3),
    Option(name="ema", default=0.999, minimum=0.0, maximum=0.99999, help="decay of the weights' moving average"),
    Option(name="checkpoint_every", default=500, minimum=1, maximum=1_000_000,
           help="optimiser steps between checkpoints"),
    Option(name="spectral", default=1.0, minimum=0.0, maximum=100.0,
           help="weight of a multi-resolution STFT loss on the output, added to -SNR (Yamamoto et al. 2020)"),
    Option(name="babble", default=0.5, minimum=0.0, maximum=1.0,
           help="share of the crops whose noise is replaced by babble of 3-6 other training utterances at 0-15 dB"),
)

TRAINING = [
    TrainingRecord(fit=lazy("denoisekit_speech.sgmse_pipeline:fit"), options=SGMSE_TRAINING_OPTIONS,
                   test_config={"iterations": 2, "batch": 1, "crop_frames": 16, "checkpoint_every": 1}),
    TrainingRecord(fit=lazy("denoisekit_speech.clearbuds_pipeline:fit"), options=CLEARBUDS_TRAINING_OPTIONS,
                   test_config={"iterations": 2, "batch": 1, "seconds": 0.25, "checkpoint_every": 1}),
]

PIPELINES = [
    PipelineRecord(name="sgmse", domain="speech", factory=lazy("denoisekit_speech.sgmse_pipeline:sgmse_pipeline"),
                   summary="SGMSE+ score-based enhancement: OUVE SDE, predictor-corrector, NCSN++-style U-Net "
                           "(Richter et al. 2023)",
                   options=SGMSE_OPTIONS, formats=FORMATS, metrics=METRICS, test_config={"steps": 1},
                   training=TRAINING[0], check=lazy("denoisekit_speech.sgmse_pipeline:check_options")),
    PipelineRecord(name="clearbuds", domain="speech",
                   factory=lazy("denoisekit_speech.clearbuds_pipeline:clearbuds_pipeline"),
                   summary="Causal real-time cascade: Conv-TasNet + spectral mask, one or two microphones, "
                           "17 ms latency (Chatterjee et al. 2022)",
                   options=CLEARBUDS_OPTIONS, formats=FORMATS, metrics=METRICS, training=TRAINING[1]),
]
