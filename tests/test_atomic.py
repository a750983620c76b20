"""Atomic output directories: all or nothing, and no overwrite without consent."""

import pytest

from denoisekit.atomic import atomic_directory
from denoisekit.errors import UserError


def test_success_renames_into_place(tmp_path):
    with atomic_directory(tmp_path / "out") as tmp:
        (tmp / "a.txt").write_text("a")
        assert not (tmp_path / "out").exists()
    assert (tmp_path / "out" / "a.txt").read_text() == "a"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_failure_leaves_nothing(tmp_path, exc):
    with pytest.raises(exc), atomic_directory(tmp_path / "out") as tmp:
        (tmp / "half.txt").write_text("half")
        raise exc
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_kept_unless_overwrite(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(UserError, match="--overwrite"), atomic_directory(out):
        pass
    with pytest.raises(RuntimeError), atomic_directory(out, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
        raise RuntimeError
    assert (out / "old.txt").read_text() == "old"  # a failed overwrite keeps the old results
    with atomic_directory(out, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_file_in_the_way_is_an_error(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(UserError, match="not a directory"), atomic_directory(tmp_path / "out", overwrite=True):
        pass
