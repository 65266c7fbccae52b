"""The local-folder store: the contract for plain paths and file:// URIs, and its own promises."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from flyte._internal.store.blob import get_store, join
from flyte._internal.store.blob._local import PARTIAL_SUFFIX, LocalBlobStore
from tests.unit.blob.contract import StoreContract


class TestPlainPaths(StoreContract):
    @pytest.fixture
    def prefix(self, tmp_path: Path) -> str:
        return str(tmp_path / "store")


class TestFileUris(StoreContract):
    @pytest.fixture
    def prefix(self, tmp_path: Path) -> str:
        # A space and a percent sign check that file:// URIs are encoded and decoded both ways.
        return (tmp_path / "store 100%").as_uri()


def test_plain_paths_and_file_uris_share_one_store(tmp_path: Path) -> None:
    assert isinstance(get_store(str(tmp_path)), LocalBlobStore)
    assert get_store(str(tmp_path)) is get_store(tmp_path.as_uri()) is get_store("relative/path")


def test_open_read_returns_the_real_file(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"data")
    with get_store(str(path)).open_read(str(path)) as f:
        assert isinstance(f, io.BufferedReader)
        assert os.fstat(f.fileno()).st_ino == path.stat().st_ino


def test_the_partial_file_sits_beside_the_destination_and_is_not_listed(tmp_path: Path) -> None:
    uri = join(str(tmp_path), "sub", "x.bin")
    store = get_store(uri)
    with store.open_write(uri) as f:
        f.write(b"x" * 1000)
        f.flush()
        (partial,) = (tmp_path / "sub").iterdir()
        assert partial.name.endswith(PARTIAL_SUFFIX)
        assert partial.stat().st_size == 1000
        assert list(store.list(str(tmp_path))) == []
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["x.bin"]


def test_listing_keeps_the_form_of_the_prefix(tmp_path: Path) -> None:
    (tmp_path / "a b").mkdir()
    (tmp_path / "a b" / "c.txt").write_bytes(b"c")
    store = get_store(str(tmp_path))
    assert [i.uri for i in store.list(str(tmp_path))] == [f"{tmp_path}/a b/c.txt"]
    assert [i.uri for i in store.list(tmp_path.as_uri())] == [f"{tmp_path.as_uri()}/a%20b/c.txt"]


def test_relative_paths_are_relative_to_the_working_folder() -> None:
    store = get_store("rel/x.txt")
    store.put("rel/x.txt", b"here")
    assert Path("rel", "x.txt").read_bytes() == b"here"
    assert [i.uri for i in store.list("rel")] == ["rel/x.txt"]


def test_same_path_transfers_touch_nothing(tmp_path: Path) -> None:
    path = tmp_path / "folder" / "x.bin"
    path.parent.mkdir()
    path.write_bytes(b"data")
    inode = path.stat().st_ino
    store = get_store(str(path))
    store.upload_file(path, str(path))
    store.download_file(path.as_uri(), path)
    store.copy(str(path), path.as_uri())
    assert path.stat().st_ino == inode
    assert [p.name for p in path.parent.iterdir()] == ["x.bin"]


def test_transfers_to_another_path_copy_the_file(tmp_path: Path) -> None:
    source, target = tmp_path / "a.bin", tmp_path / "b.bin"
    source.write_bytes(b"data")
    get_store(str(target)).upload_file(source, str(target))
    assert target.read_bytes() == b"data"
    assert target.stat().st_ino != source.stat().st_ino


def test_uploading_a_missing_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.bin"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        get_store(str(tmp_path)).upload_file(missing, str(tmp_path / "dst"))


def test_a_folder_is_not_an_object(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    (folder / "inner").mkdir(parents=True)
    store = get_store(str(folder))
    for call in (store.get, store.open_read):
        with pytest.raises(FileNotFoundError, match=re.escape(str(folder))):
            call(str(folder))
    store.delete(str(folder))
    assert folder.is_dir()
    assert not store.exists(str(folder))


def test_file_uris_name_no_other_host() -> None:
    with pytest.raises(ValueError, match="names host 'elsewhere'"):
        get_store("file://elsewhere/x").get("file://elsewhere/x")
