"""The plugin conformance kit on every record the ct plugin registers."""

from denoisekit.testing import parametrize_plugin_checks


@parametrize_plugin_checks("ct")
def test_conformance(check, tmp_path):
    check(tmp_path)
