"""Shared test settings for tests/ and plugins/*/tests: one torch/OpenMP thread (2-core machines
slow down badly otherwise), and a private sample cache."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import pytest  # noqa: E402


def pytest_configure(config):
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DENOISEKIT_CACHE", str(tmp_path_factory.getbasetemp() / "dk-cache"))
