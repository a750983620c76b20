"""The records of mri/cddpm-dc (the conditional DDPM reconstruction with data consistency in every reverse step),
gathered by plugin.py. Only ``denoisekit.api`` is imported here.

PIPELINES: PipelineRecords; TRAINING: the TrainingRecords riding on them.
"""

from __future__ import annotations

from denoisekit.api import PipelineRecord, TrainingRecord

PIPELINES: list[PipelineRecord] = []
TRAINING: list[TrainingRecord] = []
