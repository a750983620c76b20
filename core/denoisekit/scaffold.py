"""``denoisekit new-plugin NAME``: write a third-party plugin package from the templates in
``templates/plugin`` (``__module__`` in a path and ``{{...}}`` placeholders are filled in)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from denoisekit.atomic import atomic_directory
from denoisekit.errors import UserError

TEMPLATES = Path(__file__).parent / "templates" / "plugin"


def scaffold_plugin(name: str, output: Path) -> Path:
    """Create the package for plugin ``name`` (``my-domain``) in ``output`` (new or empty); return its path.

    It writes no output marker and takes no ``overwrite``: the package is the user's code from then on.
    """
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name):
        raise UserError(f"new-plugin: name {name!r} must be lower-case words joined by '-' (e.g. my-domain)")
    values = {
        "{{name}}": name,
        "{{dist}}": f"denoisekit-{name}",
        "{{module}}": f"denoisekit_{name.replace('-', '_')}",
    }
    output = Path(output)
    if output.is_dir() and any(output.iterdir()):
        raise UserError(f"{output}: exists and is not empty; new-plugin never replaces a folder, name a new one")
    with atomic_directory(output, mark=False) as tmp:
        for src in sorted(TEMPLATES.rglob("*")):
            if src.is_dir() or "__pycache__" in src.parts:
                continue
            rel = str(src.relative_to(TEMPLATES)).replace("__module__", values["{{module}}"])
            dst = tmp / rel.removesuffix(".tmpl")
            dst.parent.mkdir(parents=True, exist_ok=True)
            text = src.read_text()
            for key, value in values.items():
                text = text.replace(key, value)
            dst.write_text(text)
            shutil.copymode(src, dst)
    return output.absolute()
