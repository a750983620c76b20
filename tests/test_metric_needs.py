"""MetricRecord.needs: only known reference fields may be asked for; Sample.regions holds boolean masks."""

from __future__ import annotations

import numpy as np
import pytest

from denoisekit.errors import PluginError
from denoisekit.records import METRIC_NEEDS, MetricRecord
from denoisekit.sample import Sample


def test_a_metric_may_need_the_rate_and_the_regions_only():
    record = MetricRecord(name="m", summary="s", fn=lambda *a, **k: 0.0, needs=["rate", "regions"])
    assert record.needs == ("rate", "regions") == METRIC_NEEDS
    with pytest.raises(PluginError, match="needs \\['sigma'\\]"):
        MetricRecord(name="m", summary="s", fn=lambda *a, **k: 0.0, needs=("sigma",))


def test_regions_must_be_boolean_and_are_read_only():
    mask = np.zeros((4, 4), dtype=bool)
    s = Sample(np.zeros((4, 4)), "HW", "npy", regions={"roi": mask})
    assert s.regions["roi"] is mask
    with pytest.raises(TypeError):
        s.regions["other"] = mask  # type: ignore[index]
    with pytest.raises(ValueError, match="not boolean: roi"):
        Sample(np.zeros((4, 4)), "HW", "npy", regions={"roi": np.zeros((4, 4))})
