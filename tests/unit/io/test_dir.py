"""flyte.io.Dir outside of runs: making, walking, listing, downloading, round trips, bad input."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

import flyte
from flyte.io import Dir, File

TREE = {"top.txt": "1", "empty.txt": "", "a/mid.csv": "x\n2\n", "a/b/deep.csv": "x\n3\n"}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    for rel, text in TREE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.fixture
def memory_prefix() -> str:
    return f"memory://d{secrets.token_hex(6)}/raw"


def _contents(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*") if p.is_file()}


def test_flyte_io_dir_is_reachable() -> None:
    assert flyte.io.Dir is Dir


def test_from_local_keeps_a_local_folder_where_it_is(tree: Path) -> None:
    os.chdir(tree.parent)
    d = Dir.from_local("tree")
    assert d.path == str(tree) and d.name == "tree" and d.hash is None
    assert Dir.from_local_sync(tree, dir_cache_key="k").hash == "k"
    assert d.exists() and d.exists_sync()
    assert os.fspath(d) == str(tree)


def test_from_local_refuses_missing_paths_and_files(tmp_path: Path, tree: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope"):
        Dir.from_local(tmp_path / "nope")
    with pytest.raises(NotADirectoryError, match=r"File\.from_local"):
        Dir.from_local(tree / "top.txt")


def test_a_file_that_cannot_be_uploaded_is_named(tree: Path, memory_prefix: str) -> None:
    (tree / "broken").symlink_to(tree / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"cannot upload '.*broken'"):
        Dir.from_local(tree, remote_destination=f"{memory_prefix}/up")


def test_walk_local(tree: Path) -> None:
    d = Dir.from_local(tree)
    names = sorted(f.name for f in d.walk())
    assert names == ["deep.csv", "empty.txt", "mid.csv", "top.txt"]
    assert all(isinstance(f, File) and os.path.isabs(f.path) for f in d.walk())
    assert sorted(f.name for f in d.walk(recursive=False)) == ["empty.txt", "top.txt"]
    assert sorted(f.name for f in d.walk(max_depth=2)) == ["empty.txt", "mid.csv", "top.txt"]
    assert sorted(f.name for f in d.walk_sync(file_pattern="*.csv")) == ["deep.csv", "mid.csv"]
    top = ["empty.txt", "top.txt"]  # list_files stays at the top, as in the flyte SDK
    assert sorted(f.name for f in d.list_files()) == top == sorted(f.name for f in d.list_files_sync())
    with pytest.raises(ValueError, match="max_depth"):
        d.walk(max_depth=0)


async def test_walk_async(tree: Path) -> None:
    d = await Dir.from_local(tree)
    assert sorted([f.name async for f in d.walk()]) == ["deep.csv", "empty.txt", "mid.csv", "top.txt"]
    assert sorted([f.name async for f in d.walk(recursive=False)]) == ["empty.txt", "top.txt"]
    assert len(await d.list_files()) == 2
    f = await d.get_file("a/mid.csv")
    assert f is not None and await f.read() == "x\n2\n"
    assert await d.exists()


def test_walk_of_a_missing_local_folder_names_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="gone"):
        list(Dir(tmp_path / "gone").walk())
    assert not Dir(tmp_path / "gone").exists()


def test_get_file(tree: Path) -> None:
    d = Dir.from_local(tree)
    top = d.get_file("top.txt")
    assert top is not None and top.read() == "1" and top.name == "top.txt"
    assert d.get_file("missing.txt") is None and d.get_file_sync("a") is None
    for bad in ("../outside.txt", "/etc/passwd", "a/../../x", ""):
        with pytest.raises(ValueError, match="relative path"):
            d.get_file(bad)


def test_round_trip_through_an_object_store(tree: Path, memory_prefix: str, tmp_path: Path) -> None:
    d = Dir.from_local(tree, remote_destination=f"{memory_prefix}/up")
    assert d.path == f"{memory_prefix}/up" and d.name == "up"
    assert d.exists()
    assert sorted(f.path for f in d.walk()) == sorted(f"{memory_prefix}/up/{rel}" for rel in TREE)
    local = Path(d.download())
    assert _contents(local) == TREE  # empty files and nested folders survive
    target = tmp_path / "chosen"
    assert d.download_sync(target) == str(target) and _contents(target) == TREE
    cached = Path(os.fspath(d))
    assert _contents(cached) == TREE and os.fspath(d) == str(cached)


def test_download_of_a_local_folder(tree: Path, tmp_path: Path) -> None:
    d = Dir.from_local(tree)
    assert d.download() == str(tree)
    assert _contents(Path(d.download(tmp_path / "copy"))) == TREE
    with pytest.raises(FileNotFoundError, match="gone"):
        Dir(tmp_path / "gone").download()
    with pytest.raises(FileNotFoundError, match="gone"):
        Dir(tmp_path / "gone").download(tmp_path / "x")


def test_missing_remote_folder_is_named(memory_prefix: str) -> None:
    d = Dir.from_existing_remote(f"{memory_prefix}/nothing", dir_cache_key="h")
    assert d.hash == "h" and not d.exists() and list(d.walk()) == []
    with pytest.raises(FileNotFoundError, match="nothing"):
        d.download()
    with pytest.raises(ValueError, match=r"\.\."):
        Dir.from_existing_remote(f"{memory_prefix}/../x")


def test_new_remote_and_new_file() -> None:
    d = Dir.new_remote("results")
    assert d.name == "results" and not d.exists()
    with d.new_file("a/one.txt").open("wb") as fh:
        fh.write(b"1")
    assert d.exists() and [f.name for f in d.walk()] == ["one.txt"]
    assert Dir.new_remote(hash="h").hash == "h"
    with pytest.raises(ValueError, match="relative path"):
        d.new_file("../x")
    with pytest.raises(ValueError, match="plain file name"):
        Dir.new_remote("a/b")


def test_typed_dirs_and_value_semantics(tmp_path: Path) -> None:
    csvs = Dir["csv"]
    d = csvs(tmp_path)
    assert d.format == "csv" and isinstance(d, Dir) and csvs is Dir["csv"]
    assert d == Dir(tmp_path, format="csv") and d != File(tmp_path, format="csv")
    assert repr(Dir("/x/y/")) == "Dir(path='/x/y/', name='y')"
