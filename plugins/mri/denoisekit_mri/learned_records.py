"""The learned pipelines of the mri plugin (gathered by plugin.py): filled by the zs-ssl / noise2recon work.

PIPELINES: PipelineRecords (their trainings ride on ``PipelineRecord.training``); TRAINING: the
TrainingRecords of those pipelines, kept here so that both can be listed and tested together.
"""

from __future__ import annotations

PIPELINES: list = []
TRAINING: list = []
