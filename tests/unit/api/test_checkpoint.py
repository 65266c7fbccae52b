"""Checkpoint save/load on local paths, and latest_checkpoint over a folder tree."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from flyte._checkpoint import Checkpoint, latest_checkpoint


@pytest.fixture(autouse=True)
def _scratch_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Checkpoint.path makes a scratch folder; keep it inside the test's folder, not in /tmp.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))


def _touch(path: Path, mtime: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(mtime))
    os.utime(path, (mtime, mtime))
    return path


def test_latest_checkpoint_picks_the_newest_file(tmp_path: Path) -> None:
    _touch(tmp_path / "a" / "last.ckpt", 100)
    newest = _touch(tmp_path / "b" / "deep" / "last.ckpt", 300)
    _touch(tmp_path / "c" / "last.ckpt", 200)
    (tmp_path / "d" / "last.ckpt").mkdir(parents=True)  # a folder that matches is not a checkpoint
    assert latest_checkpoint(tmp_path) == newest
    assert latest_checkpoint(str(tmp_path)) == newest


def test_latest_checkpoint_with_pattern_and_key(tmp_path: Path) -> None:
    _touch(tmp_path / "step-9.ckpt", 300)
    step_10 = _touch(tmp_path / "step-10.ckpt", 100)
    _touch(tmp_path / "sub" / "last.ckpt", 400)
    assert latest_checkpoint(tmp_path, "*.ckpt") == tmp_path / "step-9.ckpt"
    assert latest_checkpoint(tmp_path, "*.ckpt", key=lambda p: int(p.stem.split("-")[1])) == step_10


def test_latest_checkpoint_breaks_ties_by_path(tmp_path: Path) -> None:
    _touch(tmp_path / "a" / "last.ckpt", 100)
    b = _touch(tmp_path / "b" / "last.ckpt", 100)
    assert latest_checkpoint(tmp_path) == b


def test_latest_checkpoint_without_matches(tmp_path: Path) -> None:
    assert latest_checkpoint(tmp_path) is None
    assert latest_checkpoint(tmp_path / "missing") is None


def test_save_and_load_bytes(tmp_path: Path) -> None:
    dest = tmp_path / "store" / "ckpt"
    Checkpoint(str(dest)).save_sync(b"step=3")
    restored = Checkpoint(str(tmp_path / "next"), checkpoint_src=str(dest))
    assert restored.prev_exists()
    loaded = restored.load_sync()
    assert loaded == restored.path / "payload"
    assert loaded.read_bytes() == b"step=3"


def test_save_and_load_a_folder(tmp_path: Path) -> None:
    work = tmp_path / "work"
    _touch(work / "model" / "last.ckpt", 100)
    (work / "metrics.json").write_text("{}")
    dest = f"file://{tmp_path / 'store' / 'ckpt.tar.gz'}"
    Checkpoint(dest).save_sync(work)
    checkpoint = Checkpoint(str(tmp_path / "next"), checkpoint_src=dest)
    root = checkpoint.load_sync()
    assert root == checkpoint.path
    assert (root / "metrics.json").read_text() == "{}"
    assert latest_checkpoint(root) == root / "model" / "last.ckpt"


def test_save_a_file(tmp_path: Path) -> None:
    source = tmp_path / "weights.bin"
    source.write_bytes(b"\x01\x02")
    dest = tmp_path / "store" / "weights"
    Checkpoint(str(dest)).save_sync(source)
    assert dest.read_bytes() == b"\x01\x02"
    assert not list(dest.parent.glob(".*partial"))


async def test_async_forms(tmp_path: Path) -> None:
    dest = tmp_path / "ckpt"
    await Checkpoint(str(dest)).save(b"async")
    loaded = await Checkpoint(str(tmp_path / "next"), checkpoint_src=str(dest)).load()
    assert loaded is not None and loaded.read_bytes() == b"async"


def test_nothing_to_load(tmp_path: Path) -> None:
    first = Checkpoint(str(tmp_path / "ckpt"))
    assert not first.prev_exists()
    assert first.load_sync() is None
    assert Checkpoint(str(tmp_path / "x"), checkpoint_src=str(tmp_path / "missing")).load_sync() is None
    assert first.remote_destination == str(tmp_path / "ckpt")
    assert first.remote_source is None


def test_errors_name_the_location(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="s3://bucket/ckpt"):
        Checkpoint("s3://bucket/ckpt").save_sync(b"x")
    with pytest.raises(FileNotFoundError, match="nothing-here"):
        Checkpoint(str(tmp_path / "ckpt")).save_sync(tmp_path / "nothing-here")
