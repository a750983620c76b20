"""The plugin conformance kit: the same checks for every record a plugin registers.

In a plugin's tests::

    from denoisekit.testing import parametrize_plugin_checks

    @parametrize_plugin_checks("myplugin")
    def test_conformance(check, tmp_path):
        check(tmp_path)

The kit is also a pytest plugin (entry point ``pytest11``) that provides the fixture
``denoisekit_host``: a freshly loaded :class:`denoisekit.manager.PluginHost`.
"""

from denoisekit.testing.checks import Check, parametrize_plugin_checks, plugin_checks

__all__ = ["Check", "parametrize_plugin_checks", "plugin_checks"]
