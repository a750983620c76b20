"""The plugin conformance kit on every record the ultrasound plugin registers."""

from denoisekit.testing import parametrize_plugin_checks


@parametrize_plugin_checks("ultrasound")
def test_conformance(check, tmp_path):
    check(tmp_path)
