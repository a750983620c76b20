"""denoisekit: plugin-based denoising and diffusion-based restoration pipelines.

The host (hook specifications, records, plugin manager, CLI) lives here, beside the shared core.
Plugins implement hooks with :data:`hookimpl` and are found through the entry point group
``denoisekit.plugins``.
"""

from importlib.metadata import PackageNotFoundError, version

from denoisekit.hookspecs import hookimpl

try:
    __version__ = version("denoisekit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__", "hookimpl"]
