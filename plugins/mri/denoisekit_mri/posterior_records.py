"""The records of mri/diffusion-posterior (an unconditional complex-image prior sampled with the
core's posterior samplers),
gathered by plugin.py. Only ``denoisekit.api`` is imported here.

PIPELINES: PipelineRecords; TRAINING: the TrainingRecords riding on them.
"""

from __future__ import annotations

from denoisekit.api import PipelineRecord, TrainingRecord

PIPELINES: list[PipelineRecord] = []
TRAINING: list[TrainingRecord] = []
