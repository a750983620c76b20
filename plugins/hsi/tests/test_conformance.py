"""The core's plugin conformance kit run on every record of the hsi plugin."""

from denoisekit.testing import parametrize_plugin_checks


@parametrize_plugin_checks("hsi")
def test_conformance(check, tmp_path):
    check(tmp_path)
