"""Fixtures for the catalogue tests: the image sample set, built once per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from denoisekit.image.dataset import build_image_sample_set


@pytest.fixture(scope="module")
def sample_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built ``image-sample`` folder (do not modify it; copy it first)."""
    return build_image_sample_set(tmp_path_factory.mktemp("datasets"), progress=lambda items, *a, **k: items)
