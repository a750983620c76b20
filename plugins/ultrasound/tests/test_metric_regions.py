"""The region metrics use the masks that come with the reference (Sample.regions, MetricRecord.needs), not the
fallback guessed from its brightness, through the run contract too."""

from __future__ import annotations

import json

import numpy as np
import pytest
from denoisekit_ultrasound.metrics import regions_from_reference, to_db, us_gcnr
from denoisekit_ultrasound.zea_format import example_zea, read_zea, write_zea

from denoisekit.testing import cli


def _with_swapped_regions(sample):
    """The example with its regions swapped (cavity <-> myocardium): a gCNR the fallback cannot reproduce."""
    from dataclasses import replace

    return replace(sample, regions={"cavity": sample.regions["myocardium"], "myocardium": sample.regions["cavity"]})


def test_given_regions_replace_the_fallback():
    s = example_zea()
    ref_db = to_db(s.array, s.axes)
    guessed = regions_from_reference(ref_db)
    assert not np.array_equal(guessed["cavity"], s.regions["cavity"])  # the fallback is a different region
    with_file = us_gcnr(s.array, s.array, None, s.axes, regions=s.regions)
    without = us_gcnr(s.array, s.array, None, s.axes)
    assert with_file != pytest.approx(without, abs=1e-3)


def test_metrics_json_uses_the_reference_file_s_regions(tmp_path):
    s = _with_swapped_regions(example_zea())
    write_zea(s, tmp_path / "hazy.hdf5")
    write_zea(s, tmp_path / "clean.hdf5")
    assert cli(["run", "ultrasound/nlm", "--input", str(tmp_path / "hazy.hdf5"), "--reference",
                str(tmp_path / "clean.hdf5"), "--output", str(tmp_path / "out")]) == 0
    scores = json.loads((tmp_path / "out" / "metrics.json").read_text())
    ref = read_zea(tmp_path / "clean.hdf5")
    assert np.array_equal(ref.regions["cavity"], s.regions["cavity"])
    expected = us_gcnr(s.array, ref.array, None, ref.axes, regions=ref.regions)
    assert scores["input"]["us_gcnr"] == pytest.approx(expected, abs=1e-9)
    assert scores["input"]["us_gcnr"] != pytest.approx(us_gcnr(s.array, ref.array, None, ref.axes), abs=1e-3)
