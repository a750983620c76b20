"""The baselines: NLM on the dB image raises the sample's gCNR; the SVD filter removes a static component
exactly and picks the elbow rank; both run on real DICOM frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from denoisekit_ultrasound.svd_filter import elbow_rank, svd_filter

from denoisekit.testing import cli


def test_svd_filter_removes_a_static_background():
    rng = np.random.default_rng(0)
    static = rng.standard_normal((1, 16, 16)) * 10
    moving = rng.standard_normal((8, 16, 16))
    out, k, s = svd_filter(static + moving, rank=1)
    assert k == 1 and s[0] > 5 * s[1]
    residual = out - (moving - moving.mean(0, keepdims=True))
    assert np.sqrt(np.mean(residual**2)) < 0.2 * moving.std()
    assert elbow_rank(np.array([100.0, 90.0, 1.0, 0.9, 0.8, 0.7])) == 2


def test_nlm_raises_gcnr_on_the_sample(tmp_path):
    import json

    from denoisekit_ultrasound.datasets import build_us_sample

    d = build_us_sample(tmp_path / "sample")
    assert cli(["run", "ultrasound/nlm", "--input", str(d.input), "--reference", str(d.reference),
                "--output", str(tmp_path / "out")]) == 0
    m = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert m["output"]["us_gcnr"] > m["input"]["us_gcnr"]


def test_svd_filter_on_the_sample_sequence_and_nlm_on_real_dicom(tmp_path):
    import json

    from denoisekit_ultrasound.datasets import build_sequence_sample
    from pydicom.data import get_testdata_file

    d = build_sequence_sample(tmp_path / "sample")
    assert cli(["run", "ultrasound/svd-filter", "--input", str(d.input), "--reference", str(d.reference),
                "--output", str(tmp_path / "svd")]) == 0
    run = json.loads((tmp_path / "svd" / "run.json").read_text())
    assert run["notes"]["rank"] >= 1
    real = Path(get_testdata_file("OBXXXX1A_2frame.dcm"))
    assert cli(["run", "ultrasound/nlm", "--input", str(real), "--output", str(tmp_path / "real")]) == 0
    assert (tmp_path / "real" / "report.png").is_file() and (tmp_path / "real" / real.name).is_file()
