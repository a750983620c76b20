"""Safe output directories: claim one, build it under a temporary name, then rename it into place.

- An interrupted or failed run (exception, Ctrl-C, SIGTERM) leaves no partial output behind; a
  killed one (SIGKILL) leaves a ``.NAME.partial-PID-XXXXXXXX`` folder that the next run for the
  same output removes once no live process owns it.
- Every output carries a marker file (:data:`MARKER`); ``overwrite`` replaces only such an
  earlier output or an empty folder, never the current directory or a folder holding an input.
- :func:`claimed_output` holds an exclusive lock (``.NAME.lock`` beside the output) from before
  the input is read until the rename, so two runs cannot both write the same output.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from denoisekit.errors import UserError

MARKER = ".denoisekit-output"
_DEFERRED_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def holds(folder: Path, path: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (symbolic links resolved)."""
    folder, path = Path(folder).resolve(), Path(path).resolve()
    return path == folder or folder in path.parents


def refuse_current_directory(output: Path) -> None:
    """A UserError if replacing ``output`` would take away the current directory."""
    if holds(output, Path.cwd()):
        raise UserError(f"{output}: is the current directory or holds it; name a new folder for the output")


def check_output_dir(output: Path, overwrite: bool, protect: Iterable[Path | None] = ()) -> None:
    """Refuse, in the user's words, an output that cannot or must not be written.

    A file in the output's place or among its parents, the current directory (or a folder above
    it), a folder holding a path in ``protect`` (the inputs), and a non-empty folder unless
    ``overwrite`` is given and the folder is an earlier denoisekit output (it holds :data:`MARKER`).
    """
    output = Path(os.path.abspath(output))
    for parent in output.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UserError(f"{output}: {parent} is a file, not a folder")
            break
    if output.exists() and not output.is_dir():
        raise UserError(f"{output}: exists and is not a directory")
    refuse_current_directory(output)
    for path in protect:
        if path is not None and holds(output, path):
            raise UserError(f"{output}: holds the input {path}; name another folder for the output")
    if not output.is_dir() or not any(output.iterdir()):
        return
    if not overwrite:
        raise UserError(f"{output}: output directory exists and is not empty (use --overwrite to replace it)")
    if not (output / MARKER).is_file():
        raise UserError(f"{output}: not an earlier denoisekit output (no {MARKER} file); --overwrite replaces "
                        f"only those, so move or delete it yourself")


def _sibling(output: Path, kind: str) -> Path:
    """A fresh hidden name beside ``output``: ``.NAME.KIND-PID-RANDOM``."""
    return output.parent / f".{output.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale(output: Path) -> None:
    """Remove the partial folders that killed runs left beside ``output`` (only ours, only dead owners).

    A run killed between moving the old output aside and renaming the new one in left the old one
    as ``.NAME.old-PID-*``: it is put back when the output is missing, else removed.
    """
    pattern = re.compile(rf"\.{re.escape(output.name)}\.(partial|old)-(\d+)-[0-9a-f]{{8}}")
    if not output.parent.is_dir():
        return
    for entry in output.parent.iterdir():
        match = pattern.fullmatch(entry.name)
        if match is None or not entry.is_dir() or _alive(int(match.group(2))):
            continue
        if match.group(1) == "old" and not output.exists():
            os.replace(entry, output)
        else:
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def output_lock(output: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``output`` (the file ``.NAME.lock`` beside it, removed on release).

    A second holder fails at once with a UserError instead of waiting.
    """
    lock = output.parent / f".{output.name}.lock"
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise UserError(f"{output}: cannot write into {output.parent} ({e.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UserError(f"{output}: another denoisekit run is writing it; wait for it to finish") from None
        try:  # the holder before us may have removed the file after we opened it: lock the new one
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        try:
            os.unlink(lock)  # while still locked, so a waiting opener sees the file is gone
        finally:
            os.close(fd)


def make_parents(output: Path) -> list[Path]:
    """Create ``output``'s missing parents; the ones created, deepest first."""
    missing = [p for p in output.parents if not p.exists()]
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"{output}: cannot create {output.parent} ({e.strerror})") from None
    return missing


@contextmanager
def claimed_output(output: Path, overwrite: bool = False, protect: Iterable[Path | None] = ()) -> Iterator[Path]:
    """Check and lock ``output`` before any work starts; yields its absolute path.

    Hold it from before reading the input until :func:`writing_directory` has renamed the result
    into place. Missing parent folders are created, and removed again if the work fails.
    """
    output = Path(os.path.abspath(output))
    protect = list(protect)
    check_output_dir(output, overwrite, protect)
    created = make_parents(output)
    done = False
    try:
        with output_lock(output):
            remove_stale(output)
            check_output_dir(output, overwrite, protect)  # again: the output may have changed while we waited
            yield output
            done = True
    finally:
        if not done:
            for folder in created:
                try:
                    folder.rmdir()
                except OSError:
                    break


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back until the block ends, for steps that must not be cut in two."""
    caught: list[int] = []
    try:
        previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in _DEFERRED_SIGNALS}
    except ValueError:  # not the main thread, where Python runs every signal handler
        previous = {}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        for signum in caught:
            signal.raise_signal(signum)


def replace_directory(new: Path, target: Path) -> None:
    """Rename the folder ``new`` to ``target``, replacing an existing ``target`` (deleted afterwards)."""
    with deferred_signals():
        old = None
        if target.exists():
            old = _sibling(target, "old")
            os.replace(target, old)
        try:
            os.replace(new, target)
        except BaseException:
            if old is not None:
                os.replace(old, target)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def new_partial(output: Path) -> Path:
    """Create an empty ``.NAME.partial-PID-RANDOM`` folder beside ``output`` (the umask's permissions)."""
    while True:
        tmp = _sibling(output, "partial")
        try:
            tmp.mkdir()
            return tmp
        except FileExistsError:
            continue
        except OSError as e:
            if e.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
                raise UserError(f"{output}: cannot write into {output.parent} ({e.strerror})") from None
            raise


def write_marker(folder: Path, record: Mapping[str, Any]) -> None:
    """Write :data:`MARKER` into ``folder``: ``record`` plus the writer's pid and the time."""
    data = {**record, "pid": os.getpid(), "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (folder / MARKER).write_text(json.dumps(data, default=str) + "\n")


@contextmanager
def writing_directory(output: Path, record: Mapping[str, Any] | None = None, *, mark: bool = True) -> Iterator[Path]:
    """Yield a new partial folder beside the claimed ``output``; on success it replaces ``output``.

    The marker (``record``, pid, time) is written last, just before the rename; ``mark=False`` writes
    none, for folders the user goes on to edit (a scaffold), which ``overwrite`` must then never replace.
    """
    tmp = new_partial(output)
    try:
        yield tmp
        if mark:
            write_marker(tmp, record or {})
        replace_directory(tmp, output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def atomic_directory(output: Path, overwrite: bool = False, *, protect: Iterable[Path | None] = (),
                     record: Mapping[str, Any] | None = None, mark: bool = True) -> Iterator[Path]:
    """:func:`claimed_output` and :func:`writing_directory` in one: a temporary folder that becomes ``output``."""
    with claimed_output(output, overwrite, protect) as claimed, writing_directory(claimed, record, mark=mark) as tmp:
        yield tmp
