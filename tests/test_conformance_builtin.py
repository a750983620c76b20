"""The conformance kit on the built-in plugins, exactly as a third-party plugin runs it."""

from denoisekit.testing import parametrize_plugin_checks


@parametrize_plugin_checks("core", "image")
def test_builtin_conformance(check, tmp_path):
    check(tmp_path)


def test_kit_reports_a_missing_plugin(tmp_path):
    import pytest

    from denoisekit.testing import plugin_checks

    (check,) = plugin_checks("no-such-plugin")
    with pytest.raises(AssertionError, match="not installed"):
        check(tmp_path)
