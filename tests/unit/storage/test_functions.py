"""flyte.storage's functions on local folders (real files) and on the in-process memory:// store.

memory:// goes through the same object-store code as s3:// (listing prefixes, multipart writers),
so these tests cover that logic without a server; tests/integration/storage repeats the
important ones against a real S3 server.
"""

from __future__ import annotations

import inspect
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import flyte
import flyte.storage as storage
from flyte._internal.store.blob import get_store
from flyte.storage._files import AsyncReadableFile, AsyncWritableFile


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder with nested files, one of them empty."""
    root = tmp_path / "tree"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text("alpha")
    (root / "sub" / "b.bin").write_bytes(bytes(range(256)) * 40)
    (root / "sub" / "deeper" / "c.txt").write_text("gamma")
    (root / "empty").write_bytes(b"")
    return root


@pytest.fixture
def bucket() -> str:
    return f"memory://b{secrets.token_hex(6)}"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_functions_are_coroutines_as_in_the_sdk() -> None:
    for name in ("get", "put", "open", "exists", "put_stream"):
        assert inspect.iscoroutinefunction(getattr(storage, name)), name
    assert inspect.isasyncgenfunction(storage.get_stream)
    for name in ("exists_sync", "is_remote", "join", "get_random_local_path", "get_random_local_directory"):
        assert not inspect.iscoroutinefunction(getattr(storage, name)), name


def test_import_is_light_and_reachable_from_flyte() -> None:
    probe = (
        "import sys, flyte\n"
        "assert 'flyte.storage' not in sys.modules\n"
        "assert flyte.storage.S3 is not None\n"
        "print(sorted(m for m in ('obstore', 'fsspec', 'yaml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- files ----------------------------------------------------------------------------------------


async def test_put_and_get_a_local_file(tree: Path, tmp_path: Path) -> None:
    uploaded = await storage.put(str(tree / "a.txt"), str(tmp_path / "store" / "x" / "a.txt"))
    assert uploaded == str(tmp_path / "store" / "x" / "a.txt")
    assert Path(uploaded).read_text() == "alpha"
    downloaded = await storage.get(uploaded)
    assert Path(downloaded).name == "a.txt" and Path(downloaded).read_text() == "alpha"
    assert Path(downloaded).parent != Path(uploaded).parent


async def test_put_without_destination_goes_under_the_raw_data_prefix(tree: Path) -> None:
    uploaded = await storage.put(str(tree / "a.txt"))
    prefix = Path(os.environ["FLYTE_HOME"]) / "data"
    assert Path(uploaded).parent.parent == prefix and Path(uploaded).name == "a.txt"
    assert Path(uploaded).read_text() == "alpha"


env = flyte.TaskEnvironment(name="storage_tests")


@env.task
async def upload_in_task(path: str) -> str:
    return await storage.put(path)


def test_put_inside_a_task_goes_under_the_run_raw_data_path(tree: Path, bucket: str) -> None:
    prefix = f"{bucket}/raw"
    run = flyte.with_runcontext(mode="local", raw_data_path=prefix).run(upload_in_task, str(tree / "a.txt"))
    uploaded = run.outputs()[0]
    assert uploaded.startswith(prefix + "/") and uploaded.endswith("/a.txt")
    assert get_store(uploaded).get(uploaded) == b"alpha"


async def test_to_a_folder_or_a_trailing_separator_keeps_the_name(tree: Path, tmp_path: Path, bucket: str) -> None:
    folder = tmp_path / "existing"
    folder.mkdir()
    assert await storage.put(str(tree / "a.txt"), str(folder)) == str(folder / "a.txt")
    assert await storage.put(str(tree / "a.txt"), f"{bucket}/dir/") == f"{bucket}/dir/a.txt"
    assert await storage.get(f"{bucket}/dir/a.txt", str(folder / "new") + os.sep) == str(folder / "new" / "a.txt")
    assert (folder / "new" / "a.txt").read_text() == "alpha"


async def test_relative_paths_and_file_uris(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree / "sub")
    target = await storage.put("../a.txt", (tmp_path / "out" / "a.txt").as_uri())
    assert (tmp_path / "out" / "a.txt").read_text() == "alpha"
    assert await storage.exists(target)
    assert Path(await storage.get(target, "../copy.txt")) == tree / "copy.txt"


async def test_memory_roundtrip(tree: Path, bucket: str) -> None:
    uri = await storage.put(str(tree / "sub" / "b.bin"), f"{bucket}/k/b.bin")
    assert uri == f"{bucket}/k/b.bin"
    assert Path(await storage.get(uri)).read_bytes() == (tree / "sub" / "b.bin").read_bytes()


async def test_missing_sources_are_named(tmp_path: Path, bucket: str) -> None:
    with pytest.raises(FileNotFoundError, match=f"{bucket}/nothing"):
        await storage.get(f"{bucket}/nothing")
    with pytest.raises(FileNotFoundError, match=r"nothing\.txt"):
        await storage.get(str(tmp_path / "nothing.txt"))
    with pytest.raises(FileNotFoundError, match=r"nothing\.txt"):
        await storage.put(str(tmp_path / "nothing.txt"), f"{bucket}/x")


async def test_folders_need_recursive(tree: Path, bucket: str) -> None:
    with pytest.raises(IsADirectoryError, match="recursive=True"):
        await storage.put(str(tree), f"{bucket}/t")
    await storage.put(str(tree), f"{bucket}/t", recursive=True)
    with pytest.raises(IsADirectoryError, match=f"'{bucket}/t' is a folder"):
        await storage.get(f"{bucket}/t")
    with pytest.raises(IsADirectoryError, match="recursive=True"):
        await storage.get(str(tree))
    with pytest.raises(NotADirectoryError, match="recursive=False"):
        await storage.put(str(tree / "a.txt"), f"{bucket}/u", recursive=True)
    with pytest.raises(NotADirectoryError, match="recursive=False"):
        await storage.get(f"{bucket}/t/a.txt", recursive=True)


async def test_fsspec_keyword_arguments_are_refused_by_name(tree: Path) -> None:
    with pytest.raises(TypeError, match="unsupported keyword arguments: anon"):
        await storage.exists(str(tree), anon=True)
    with pytest.raises(TypeError, match=r"flyte\.storage\.get\(\) got unsupported keyword arguments: block_size"):
        await storage.get(str(tree / "a.txt"), block_size=4)


# -- folders --------------------------------------------------------------------------------------


async def test_recursive_roundtrip_through_memory(tree: Path, bucket: str, tmp_path: Path) -> None:
    uri = await storage.put(str(tree), f"{bucket}/folder", recursive=True)
    assert uri == f"{bucket}/folder"
    assert sorted(i.uri for i in get_store(uri).list(uri)) == [f"{uri}/{name}" for name in sorted(_files(tree))]
    into = await storage.get(uri, str(tmp_path / "back"), recursive=True)
    assert into == str(tmp_path / "back")
    assert _files(tmp_path / "back") == _files(tree)
    fresh = await storage.get(uri, recursive=True)
    assert Path(fresh).name == "folder" and _files(Path(fresh)) == _files(tree)


async def test_recursive_upload_without_destination(tree: Path) -> None:
    uri = await storage.put(str(tree), recursive=True)
    assert Path(uri).name == "tree" and _files(Path(uri)) == _files(tree)


async def test_an_empty_local_folder_is_copied(tmp_path: Path) -> None:
    (tmp_path / "void").mkdir()
    copied = await storage.put(str(tmp_path / "void"), str(tmp_path / "copy"), recursive=True)
    assert Path(copied).is_dir() and list(Path(copied).iterdir()) == []


async def test_recursive_local_copy_merges_into_the_target(tree: Path, tmp_path: Path) -> None:
    target = tmp_path / "merged"
    (target / "sub").mkdir(parents=True)
    (target / "sub" / "keep.txt").write_text("kept")
    await storage.put(str(tree), str(target), recursive=True)
    # A second upload lands in the same place, not in a nested copy.
    await storage.put(str(tree), str(target), recursive=True)
    assert _files(target) == {**_files(tree), "sub/keep.txt": b"kept"}
    copied = await storage.get(str(target), str(tmp_path / "again"), recursive=True)
    assert _files(Path(copied)) == _files(target)


async def test_a_missing_folder_is_named(bucket: str, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=f"under '{bucket}/none'"):
        await storage.get(f"{bucket}/none", str(tmp_path / "x"), recursive=True)
    with pytest.raises(FileNotFoundError, match="none"):
        await storage.get(str(tmp_path / "none"), str(tmp_path / "x"), recursive=True)


async def test_a_failing_download_fails_the_get(bucket: str, tree: Path, tmp_path: Path) -> None:
    await storage.put(str(tree), f"{bucket}/f", recursive=True)
    blocker = tmp_path / "out" / "sub"
    blocker.parent.mkdir()
    blocker.write_text("a file where a folder must go")
    with pytest.raises(OSError):
        await storage.get(f"{bucket}/f", str(tmp_path / "out"), recursive=True)


# -- exists ---------------------------------------------------------------------------------------


async def test_exists(tree: Path, bucket: str) -> None:
    await storage.put(str(tree), f"{bucket}/e", recursive=True)
    for path in (str(tree), str(tree / "a.txt"), f"{bucket}/e", f"{bucket}/e/sub", f"{bucket}/e/a.txt", bucket):
        assert await storage.exists(path), path
        assert storage.exists_sync(path), path
    for path in (str(tree / "nope"), f"{bucket}/e/nope", f"{bucket}/e/su", f"{bucket}/other"):
        assert not await storage.exists(path), path
        assert not storage.exists_sync(path), path


# -- open and streams -----------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["local", "memory"])
async def test_open_write_then_read(where: str, tmp_path: Path, bucket: str) -> None:
    path = str(tmp_path / "o" / "f.txt") if where == "local" else f"{bucket}/o/f.txt"
    writer = await storage.open(path, "wb")
    assert isinstance(writer, AsyncWritableFile)
    async with writer:
        await writer.write(b"line one\n")
        await writer.write(memoryview(b"line two\nrest"))
        await writer.flush()
        assert not await storage.exists(path)  # nothing is published before close
    assert await writer.closed()
    reader = await storage.open(path)
    assert isinstance(reader, AsyncReadableFile)
    async with reader:
        assert reader.size == 22 and reader.seekable()
        assert await reader.readline() == b"line one\n"
        assert await reader.tell() == 9
        assert await reader.read(4) == b"line"
        assert await reader.seek(-4, os.SEEK_END) == 18
        assert await reader.readall() == b"rest"
        assert await reader.read() == b""
        await reader.seek(0)
        assert await reader.readlines() == [b"line one\n", b"line two\n", b"rest"]
    assert reader.closed


@pytest.mark.parametrize("where", ["local", "memory"])
async def test_a_failed_write_publishes_nothing(where: str, tmp_path: Path, bucket: str) -> None:
    folder = tmp_path / "w"
    path = str(folder / "f.txt") if where == "local" else f"{bucket}/f.txt"
    with pytest.raises(RuntimeError, match="boom"):
        async with await storage.open(path, "wb") as f:
            assert isinstance(f, AsyncWritableFile)
            await f.write(b"half")
            raise RuntimeError("boom")
    assert not await storage.exists(path)
    if where == "local":
        assert list(folder.iterdir()) == []  # not even the temporary file is left


async def test_open_refuses_other_modes_and_missing_files(tmp_path: Path, bucket: str) -> None:
    with pytest.raises(ValueError, match=r"mode must be 'rb' or 'wb'.*'a'"):
        await storage.open(str(tmp_path / "x"), "a")
    with pytest.raises(FileNotFoundError, match=f"{bucket}/absent"):
        await storage.open(f"{bucket}/absent")
    with pytest.raises(TypeError, match="buffer_size"):
        await storage.open(f"{bucket}/absent", "rb", buffer_size=10)


async def _chunks(*pieces: bytes) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


@pytest.mark.parametrize("where", ["local", "memory"])
async def test_put_stream_and_get_stream(where: str, tmp_path: Path, bucket: str) -> None:
    path = str(tmp_path / "s" / "f.bin") if where == "local" else f"{bucket}/s/f.bin"
    assert await storage.put_stream(_chunks(b"ab", b"", b"cdefg"), to_path=path) == path
    assert [c async for c in storage.get_stream(path, chunk_size=3)] == [b"abc", b"def", b"g"]
    assert await storage.put_stream(b"whole", to_path=path) == path
    assert [c async for c in storage.get_stream(path)] == [b"whole"]
    assert await storage.put_stream(iter([b"x", b"y"]), to_path=path) == path
    assert b"".join([c async for c in storage.get_stream(path, 1)]) == b"xy"


async def test_put_stream_without_destination(tmp_path: Path) -> None:
    named = await storage.put_stream(b"n", name="named.txt")
    assert Path(named).name == "named.txt" and Path(named).parent.parent == Path(os.environ["FLYTE_HOME"]) / "data"
    unnamed = await storage.put_stream(b"u")
    assert Path(unnamed).read_bytes() == b"u"
    with pytest.raises(ValueError, match="not a plain file name"):
        await storage.put_stream(b"x", name="../escape")


async def test_a_failing_stream_publishes_nothing(bucket: str) -> None:
    async def failing() -> AsyncIterator[bytes]:
        yield b"part"
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        await storage.put_stream(failing(), to_path=f"{bucket}/broken")
    assert not await storage.exists(f"{bucket}/broken")


async def test_get_stream_errors(bucket: str) -> None:
    with pytest.raises(FileNotFoundError, match=f"{bucket}/absent"):
        [c async for c in storage.get_stream(f"{bucket}/absent")]
    with pytest.raises(ValueError, match="chunk_size must be positive"):
        [c async for c in storage.get_stream(f"{bucket}/absent", chunk_size=0)]


async def test_object_store_tuning_is_validated(tmp_path: Path, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "f"
    source.write_bytes(b"x")
    monkeypatch.setenv("FLYTE_IO_UPLOAD_CHUNK_SIZE", "big")
    with pytest.raises(ValueError, match="FLYTE_IO_UPLOAD_CHUNK_SIZE must be a whole number"):
        await storage.put(str(source), f"{bucket}/f")
    # Local destinations have no parts to size.
    assert await storage.put(str(source), str(tmp_path / "g")) == str(tmp_path / "g")


# -- sync helpers ---------------------------------------------------------------------------------


def test_is_remote() -> None:
    assert storage.is_remote("s3://b/k") and storage.is_remote("gs://b") and storage.is_remote("memory://b/k")
    assert not storage.is_remote("/tmp/x") and not storage.is_remote("rel/x") and not storage.is_remote("file:///x")
    assert not storage.is_remote(Path("/tmp/x"))


def test_join() -> None:
    assert storage.join("s3://b", "k", "f.txt") == "s3://b/k/f.txt"
    assert storage.join("s3://b/", "k/") == "s3://b/k/"
    assert storage.join("s3://b", "/abs") == "/abs"


def test_random_local_paths() -> None:
    a, b = storage.get_random_local_path(), storage.get_random_local_path()
    assert a != b and not a.exists() and a.parent.is_dir() and a.parent.name.startswith("flyte-tmp-")
    named = storage.get_random_local_path("some/where/file.csv")
    assert named.name == "file.csv" and named.parent.is_dir() and not named.exists()
    folder = storage.get_random_local_directory()
    assert folder.is_dir() and list(folder.iterdir()) == []
