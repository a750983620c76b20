"""The Ray engine on a real local Ray instance (2 CPUs), started and stopped here: the same outputs and
manifest lines as the local engine for the same seed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from denoisekit.batch import run_batch

from .conftest import outputs, write_inputs

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'denoisekit[ray]')")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_and_local_engines_give_identical_outputs(local_ray, tmp_path):
    inputs = write_inputs(tmp_path / "in", 3, corrupt="img3.npy")
    options = {"overrides": {"iterations": 5}, "seed": 7, "show_progress": False}
    on_ray = run_batch("image/zs-n2n", inputs, tmp_path / "ray", engine="ray", workers=2, **options)
    local = run_batch("image/zs-n2n", inputs, tmp_path / "local", engine="local", workers=2, **options)
    assert (on_ray.succeeded, on_ray.failed, on_ray.ran) == (local.succeeded, local.failed, local.ran) == (3, 1, 4)
    assert on_ray.failures == local.failures and "img3.npy: corrupt or truncated .npy file" in on_ray.failures["img3"]
    a, b = outputs(tmp_path / "ray"), outputs(tmp_path / "local")
    assert sorted(a) == sorted(b) == ["img0", "img1", "img2"]
    for stem in a:
        np.testing.assert_array_equal(a[stem], b[stem])
    summary = json.loads((tmp_path / "ray" / "batch.json").read_text())
    assert summary["engine"] == "ray" and summary["counts"]["succeeded"] == 3
    assert ray.is_initialized()  # a Ray instance the caller started is left running
