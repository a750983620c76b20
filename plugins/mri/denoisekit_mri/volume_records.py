"""The records of mri/disgan (3-D super-resolution and denoising of NIfTI volumes),
gathered by plugin.py. Only ``denoisekit.api`` is imported here.

PIPELINES: PipelineRecords; TRAINING: the TrainingRecords riding on them.
"""

from __future__ import annotations

from denoisekit.api import PipelineRecord, TrainingRecord

PIPELINES: list[PipelineRecord] = []
TRAINING: list[TrainingRecord] = []
