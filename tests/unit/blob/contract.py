"""Behaviour every blob store must have, whatever its scheme.

A test module subclasses :class:`StoreContract` and provides a ``prefix`` fixture: the URI of
an empty folder in the store under test. The same tests then run against the local folder,
the memory store and a real S3 server.
"""

from __future__ import annotations

import gc
import hashlib
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flyte._internal.store.blob import BlobStore, get_store, join

MiB = 1024 * 1024
# Names whose lexical order differs from a depth-first walk of folders ('-' and '.' sort before '/').
TRICKY_NAMES = ["a/b/c", "a/b-c", "a/bc", "a/b.d/e", "a/B", "a/b0", "a/b/-x", "a/b/0", "z"]


def chunks(seed: int, count: int, size: int = MiB) -> Iterator[bytes]:
    """``count`` pseudo-random chunks of ``size`` bytes, the same for the same seed."""
    rng = random.Random(seed)
    for _ in range(count):
        yield rng.randbytes(size)


def digest_of(pieces: Iterator[bytes]) -> tuple[str, int]:
    """The SHA-256 and total length of the pieces."""
    h = hashlib.sha256()
    total = 0
    for piece in pieces:
        h.update(piece)
        total += len(piece)
    return h.hexdigest(), total


class StoreContract:
    """Tests of the :class:`BlobStore` contract; subclasses provide the ``prefix`` fixture."""

    @staticmethod
    def store(prefix: str) -> BlobStore:
        return get_store(prefix)

    def test_put_get_and_replace(self, prefix: str) -> None:
        uri = join(prefix, "x.bin")
        store = self.store(uri)
        store.put(uri, b"one")
        assert store.get(uri) == b"one"
        store.put(uri, b"two, longer")
        assert store.get(uri) == b"two, longer"
        store.put(uri, b"")
        assert store.get(uri) == b""

    def test_missing_object_errors_name_the_uri(self, prefix: str, tmp_path: Path) -> None:
        uri = join(prefix, "folder", "missing.bin")
        store = self.store(uri)
        target = tmp_path / "downloaded"
        calls: list[Callable[[], Any]] = [
            lambda: store.get(uri),
            lambda: store.open_read(uri),
            lambda: store.copy(uri, join(prefix, "other")),
            lambda: store.download_file(uri, target),
        ]
        for call in calls:
            with pytest.raises(FileNotFoundError, match=re.escape(uri)):
                call()
        assert not target.exists()
        assert not store.exists(join(prefix, "other"))

    async def test_missing_object_errors_name_the_uri_async(self, prefix: str, tmp_path: Path) -> None:
        uri = join(prefix, "missing.bin")
        store = self.store(uri)
        with pytest.raises(FileNotFoundError, match=re.escape(uri)):
            await store.get_async(uri)
        with pytest.raises(FileNotFoundError, match=re.escape(uri)):
            await store.copy_async(uri, join(prefix, "other"))
        with pytest.raises(FileNotFoundError, match=re.escape(uri)):
            await store.download_file_async(uri, tmp_path / "downloaded")
        assert not (tmp_path / "downloaded").exists()

    def test_streams_in_chunks_without_reading_whole(self, prefix: str) -> None:
        uri = join(prefix, "big.bin")
        store = self.store(uri)
        count = 20
        with store.open_write(uri) as f:
            for piece in chunks(1, count):
                assert f.write(piece) == MiB
        expected = digest_of(chunks(1, count))

        def read_pieces() -> Iterator[bytes]:
            with store.open_read(uri) as f:
                while piece := f.read(MiB):
                    assert len(piece) <= MiB
                    yield piece

        assert digest_of(read_pieces()) == expected

        def readinto_pieces() -> Iterator[bytes]:
            buffer = bytearray(3 * MiB + 7)
            with store.open_read(uri) as f:
                while size := f.readinto(buffer):
                    yield bytes(buffer[:size])

        assert digest_of(readinto_pieces()) == expected
        assert [(i.uri, i.size) for i in store.list(prefix)] == [(uri, count * MiB)]

    def test_reader_is_a_seekable_binary_file(self, prefix: str) -> None:
        uri = join(prefix, "lines.txt")
        store = self.store(uri)
        text = b"".join(b"line %d\n" % i for i in range(1000))
        store.put(uri, text)
        with store.open_read(uri) as f:
            assert f.readable() and f.seekable()
            assert f.readline() == b"line 0\n"
            assert f.tell() == 7
            assert f.seek(-9, 2) == len(text) - 9
            assert f.read() == b"line 999\n"
            assert f.read(10) == b""
            assert f.seek(7) == 7
            assert f.seek(7, 1) == 14
            assert f.read(6) == b"line 2"
            f.seek(0)
            assert list(f) == text.splitlines(keepends=True)
            f.seek(0)
            assert f.read() == text
        assert f.closed

    def test_write_is_invisible_until_close(self, prefix: str) -> None:
        uri, fresh = join(prefix, "replaced.bin"), join(prefix, "fresh.bin")
        store = self.store(uri)
        store.put(uri, b"old")
        data = b"".join(chunks(2, 9))  # more than one multipart part
        writer, fresh_writer = store.open_write(uri), store.open_write(fresh)
        writer.write(data)
        writer.flush()
        fresh_writer.write(b"new")
        fresh_writer.flush()
        assert store.get(uri) == b"old"
        assert not store.exists(fresh)
        assert [i.uri for i in store.list(prefix)] == [uri]
        writer.close()
        fresh_writer.close()
        assert store.get(uri) == data
        assert store.get(fresh) == b"new"

    def test_a_failed_write_publishes_nothing(self, prefix: str) -> None:
        uri, fresh = join(prefix, "kept.bin"), join(prefix, "never.bin")
        store = self.store(uri)
        store.put(uri, b"old")
        for target in (uri, fresh):
            with pytest.raises(RuntimeError, match="boom"), store.open_write(target) as f:
                f.write(b"partial" * 1000)
                raise RuntimeError("boom")
        assert store.get(uri) == b"old"
        assert not store.exists(fresh)
        assert [i.uri for i in store.list(prefix)] == [uri]

    def test_a_writer_dropped_unclosed_publishes_nothing(self, prefix: str) -> None:
        uri = join(prefix, "dropped.bin")
        store = self.store(uri)
        writer = store.open_write(uri)
        writer.write(b"x" * 100)
        del writer
        gc.collect()
        assert not store.exists(uri)
        assert list(store.list(prefix)) == []

    def test_list_is_recursive_lexical_and_folder_scoped(self, prefix: str) -> None:
        store = self.store(prefix)
        for size, name in enumerate(TRICKY_NAMES, start=1):
            store.put(join(prefix, name), b"x" * size)
        sizes = {join(prefix, name): size for size, name in enumerate(TRICKY_NAMES, start=1)}

        everything = list(store.list(prefix))
        assert [i.uri for i in everything] == sorted(sizes)
        assert all(i.size == sizes[i.uri] for i in everything)
        under_a = sorted(u for u in sizes if u.startswith(join(prefix, "a") + "/"))
        assert [i.uri for i in store.list(join(prefix, "a"))] == under_a
        assert [i.uri for i in store.list(join(prefix, "a") + "/")] == under_a
        assert [i.uri for i in store.list(join(prefix, "a/b"))] == [
            join(prefix, "a/b/-x"),
            join(prefix, "a/b/0"),
            join(prefix, "a/b/c"),
        ]
        assert list(store.list(join(prefix, "z"))) == []  # an object is not a folder
        assert list(store.list(join(prefix, "nothing-here"))) == []

    async def test_list_async_matches_list(self, prefix: str) -> None:
        store = self.store(prefix)
        for name in TRICKY_NAMES:
            store.put(join(prefix, name), name.encode())
        assert [i async for i in store.list_async(prefix)] == list(store.list(prefix))
        assert [i async for i in store.list_async(join(prefix, "void"))] == []

    def test_exists_and_delete(self, prefix: str) -> None:
        uri = join(prefix, "d", "x.bin")
        store = self.store(uri)
        assert not store.exists(uri)
        store.put(uri, b"x")
        assert store.exists(uri)
        assert not store.exists(join(prefix, "d"))  # a folder is not an object
        store.delete(uri)
        assert not store.exists(uri)
        store.delete(uri)
        store.delete(join(prefix, "never-there"))

    def test_copy(self, prefix: str) -> None:
        src, dst = join(prefix, "src.bin"), join(prefix, "sub", "dst.bin")
        store = self.store(src)
        store.put(src, b"original")
        store.copy(src, dst)
        store.put(src, b"changed")
        assert store.get(dst) == b"original"
        store.copy(dst, dst)
        assert store.get(dst) == b"original"

    def test_upload_and_download_files(self, prefix: str, tmp_path: Path) -> None:
        uri = join(prefix, "uploaded.bin")
        store = self.store(uri)
        source = tmp_path / "source.bin"
        data = b"".join(chunks(3, 3))
        source.write_bytes(data)
        store.upload_file(source, uri)
        assert store.get(uri) == data
        target = tmp_path / "deep" / "er" / "target.bin"
        store.download_file(uri, target)
        assert target.read_bytes() == data
        store.put(uri, b"newer")
        store.download_file(uri, target)
        assert target.read_bytes() == b"newer"
        assert sorted(p.name for p in target.parent.iterdir()) == ["target.bin"]

    async def test_async_methods(self, prefix: str, tmp_path: Path) -> None:
        uri, copied = join(prefix, "a.bin"), join(prefix, "b.bin")
        store = self.store(uri)
        await store.put_async(uri, b"async data")
        assert await store.get_async(uri) == b"async data"
        assert await store.exists_async(uri)
        await store.copy_async(uri, copied)
        assert store.get(copied) == b"async data"
        await store.delete_async(copied)
        assert not await store.exists_async(copied)
        await store.delete_async(copied)
        source = tmp_path / "up.bin"
        source.write_bytes(b"".join(chunks(4, 2)))
        await store.upload_file_async(source, copied)
        await store.download_file_async(copied, tmp_path / "down" / "load.bin")
        assert (tmp_path / "down" / "load.bin").read_bytes() == source.read_bytes()

    def test_every_method_refuses_dot_dot(self, prefix: str, tmp_path: Path) -> None:
        store = self.store(prefix)
        good = join(prefix, "good")
        store.put(good, b"x")
        escaping = prefix.rstrip("/") + "/a/../../outside"
        local = tmp_path / "file.bin"
        local.write_bytes(b"x")
        calls: list[Callable[[], Any]] = [
            lambda: store.put(escaping, b"x"),
            lambda: store.get(escaping),
            lambda: store.open_read(escaping),
            lambda: store.open_write(escaping),
            lambda: list(store.list(escaping)),
            lambda: store.exists(escaping),
            lambda: store.delete(escaping),
            lambda: store.copy(good, escaping),
            lambda: store.copy(escaping, good),
            lambda: store.upload_file(local, escaping),
            lambda: store.download_file(escaping, tmp_path / "out.bin"),
            lambda: store.list_async(escaping),
        ]
        for call in calls:
            with pytest.raises(ValueError, match=re.escape(f"'{escaping}' contains a '..' segment")):
                call()
        assert store.get(good) == b"x"
        assert not (tmp_path / "out.bin").exists()

    async def test_async_methods_refuse_dot_dot(self, prefix: str, tmp_path: Path) -> None:
        store = self.store(prefix)
        escaping = prefix.rstrip("/") + "/../x"
        with pytest.raises(ValueError, match=re.escape(escaping)):
            await store.put_async(escaping, b"x")
        with pytest.raises(ValueError, match=re.escape(escaping)):
            await store.get_async(escaping)
        with pytest.raises(ValueError, match=re.escape(escaping)):
            await store.download_file_async(escaping, tmp_path / "x")
