"""Records of the learned speech pipelines (speech/sgmse, speech/clearbuds), gathered by plugin.py.

``PIPELINES``: their PipelineRecords (registered by ``register_pipelines``). ``TRAINING``: their
TrainingRecords; the host has no hook of its own for them (a TrainingRecord is a PipelineRecord's
``training`` field), so this list only gathers them for the pipelines above.
"""

from __future__ import annotations

PIPELINES: list = []
TRAINING: list = []
