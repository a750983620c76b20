"""The toy model, data and loss of toy.py as a fixture (toy.py is also run as a script)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest


def load_toy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("training_toy", Path(__file__).parent / "toy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def toy() -> ModuleType:
    return load_toy()
