"""Option resolution: defaults < config file < --set, types, bounds, suggestions."""

import pytest

from denoisekit.errors import UserError
from denoisekit.options import parse_set, resolve_options
from denoisekit.records import Option, PipelineRecord

RECORD = PipelineRecord(
    name="p", domain="d", summary="test pipeline", factory=lambda: None, formats=("npy",),
    options=(Option(name="steps", default=10, help="steps", minimum=1),
             Option(name="rate", default=0.5, help="rate", maximum=1.0),
             Option(name="mode", default="fast", help="mode", choices=("fast", "exact")),
             Option(name="flag", default=False, help="flag")),
)


def test_defaults_then_file_then_set():
    assert resolve_options(RECORD) == {"steps": 10, "rate": 0.5, "mode": "fast", "flag": False}
    got = resolve_options(RECORD, {"steps": 3, "rate": 1}, parse_set(["steps=4", "flag=yes", "mode=exact"]))
    assert got == {"steps": 4, "rate": 1.0, "mode": "exact", "flag": True}
    assert isinstance(got["rate"], float)


@pytest.mark.parametrize("pairs, message", [
    (["step=3"], "did you mean 'steps'"),
    (["steps=0"], ">= 1"),
    (["rate=2"], "<= 1.0"),
    (["mode=slow"], "must be one of"),
    (["flag=maybe"], "expects bool"),
    (["steps=1.5"], "expects int"),
])
def test_bad_values_are_user_errors(pairs, message):
    with pytest.raises(UserError, match=message):
        resolve_options(RECORD, None, parse_set(pairs))


def test_bad_set_syntax():
    with pytest.raises(UserError, match="key=value"):
        parse_set(["steps"])


def test_toml_types_are_checked():
    with pytest.raises(UserError, match="expects int"):
        resolve_options(RECORD, {"steps": "ten"})
    with pytest.raises(UserError, match="expects int"):
        resolve_options(RECORD, {"steps": True})
