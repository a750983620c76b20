"""The records of the sequence pipelines of the ultrasound plugin (ultrasound/clutter-filter3d and the
low-rank-plus-diffusion sequence dehazer), gathered by plugin.py. Only ``denoisekit.api`` is imported here.

PIPELINES: PipelineRecords; TRAINING: the TrainingRecords riding on them.
"""

from __future__ import annotations

from denoisekit.api import PipelineRecord, TrainingRecord

PIPELINES: list[PipelineRecord] = []
TRAINING: list[TrainingRecord] = []
