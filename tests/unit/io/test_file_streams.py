"""Streaming File reads and writes: sync handles, async handles, text modes, failed writes."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable

import pandas as pd
import pytest

from flyte.io import File

LINES = [f"line {i}\n".encode() for i in range(1000)]
DATA = b"".join(LINES)


def _local() -> File:
    return File.new_remote("data.txt")


def _memory() -> File:
    return File.from_existing_remote(f"memory://s{secrets.token_hex(6)}/data.txt")


WHERE = pytest.mark.parametrize("make", [_local, _memory], ids=["local", "memory"])


def _written(make: Callable[[], File]) -> File:
    f = make()
    with f.open("wb") as fh:
        for line in LINES:
            fh.write(line)
    return f


@WHERE
def test_sync_reads_iterate_chunk_and_seek(make: Callable[[], File]) -> None:
    f = _written(make)
    with f.open() as fh:
        assert list(fh) == LINES
    with f.open_sync("rb") as fh:
        chunks = iter(lambda: fh.read(4096), b"")
        assert b"".join(chunks) == DATA
        fh.seek(5)
        assert fh.tell() == 5 and fh.read(1) == b"0"
        fh.seek(-2, io.SEEK_END)
        assert fh.read() == b"9\n"


@WHERE
def test_text_modes(make: Callable[[], File]) -> None:
    f = make()
    with f.open("w") as fh:
        fh.write("héllo\nwörld\n")
    with f.open("r") as fh:
        assert fh.readlines() == ["héllo\n", "wörld\n"]
    with f.open("r", encoding="latin-1") as fh:
        assert fh.read() == "héllo\nwörld\n".encode().decode("latin-1")


@WHERE
def test_a_failed_write_leaves_nothing(make: Callable[[], File]) -> None:
    f = make()
    with pytest.raises(RuntimeError, match="boom"), f.open("wb") as fh:
        fh.write(b"partial")
        raise RuntimeError("boom")
    assert not f.exists()
    with pytest.raises(RuntimeError, match="boom"), f.open("w") as text:
        text.write("partial")
        raise RuntimeError("boom")
    assert not f.exists()


@WHERE
async def test_async_reads(make: Callable[[], File]) -> None:
    f = _written(make)
    async with f.open("rb") as fh:
        assert fh.readable() and not fh.writable() and fh.mode == "rb"
        assert await fh.read(5) == b"line "
        assert await fh.readline() == b"0\n"
        assert await fh.tell() == 7
        await fh.seek(0)
        assert [line async for line in fh] == LINES
    async with f.open("rb") as fh:
        assert await fh.read() == DATA


@WHERE
async def test_async_writes_with_and_without_await(make: Callable[[], File]) -> None:
    f = make()
    async with f.open("wb") as fh:
        assert fh.writable()
        assert await fh.write(b"awaited,") == 8
        fh.write(b"not awaited")  # still written, in order, before the handle closes
    assert await f.read() == "awaited,not awaited"


@WHERE
async def test_pandas_writes_into_an_async_handle(make: Callable[[], File]) -> None:
    # The SDK's documented example: df.to_csv(fh) inside `async with file.open("wb")`.
    df = pd.DataFrame({"col1": [1, 2], "col2": [3, 4]})
    f = make()
    async with f.open("wb") as fh:
        df.to_csv(fh, index=False)
    assert await f.read() == "col1,col2\n1,3\n2,4\n"


@WHERE
async def test_async_text_mode_and_failed_write(make: Callable[[], File]) -> None:
    f = make()
    async with f.open("w") as fh:
        await fh.write("text ")
        await fh.write("mode")
    async with f.open("r") as fh:
        assert await fh.read() == "text mode"
    g = make()
    with pytest.raises(RuntimeError, match="boom"):
        async with g.open("wb") as fh:
            await fh.write(b"partial")
            raise RuntimeError("boom")
    assert not await g.exists()


async def test_a_failing_unawaited_write_fails_the_close() -> None:
    f = _local()
    with pytest.raises(TypeError):
        async with f.open("wb") as fh:
            fh.write("str is not bytes")
    assert not await f.exists()


async def test_opening_a_missing_file_names_it() -> None:
    f = _memory()
    with pytest.raises(FileNotFoundError, match=r"data\.txt"):
        async with f.open() as fh:
            await fh.read()


@WHERE
async def test_read_ahead_never_moves_the_position(make: Callable[[], File]) -> None:
    f = _written(make)
    async with f.open("rb") as fh:
        assert [await fh.read(7) for _ in range(3)] == LINES[:3]
        assert await fh.tell() == 21  # not 28: the read-ahead was given back
        assert await fh.read(4) == b"line"  # another size: no read-ahead reused
        assert await fh.read(4) == b" 3\nl"
        await fh.seek(7)
        assert await fh.read(7) == LINES[1]
        assert await fh.readline() == LINES[2]
        await fh.seek(-4, io.SEEK_END)
        assert [await fh.read(2), await fh.read(2), await fh.read(2)] == [b"99", b"9\n", b""]
    async with f.open("rb") as fh:
        chunks = []
        while chunk := await fh.read(4096):
            chunks.append(chunk)
        assert b"".join(chunks) == DATA


async def test_awaited_writes_wait_only_when_much_is_queued() -> None:
    f = _local()
    block = bytearray(b"x" * (1 << 20))
    async with f.open("wb") as fh:
        for i in range(20):
            block[0] = i  # reusing the buffer after the await is safe: writes keep a copy
            assert await fh.write(block) == 1 << 20
    with f.open() as sync_fh:
        firsts = [sync_fh.read(1 << 20)[0] for _ in range(20)]
    assert firsts == list(range(20))


async def test_a_failed_write_is_raised_by_the_next_write() -> None:
    f = _local()
    with pytest.raises(TypeError):
        async with f.open("wb") as fh:
            fh.write("str is not bytes")
            await fh.flush()  # the failure is known once the worker got there
            await fh.write(b"more")
    assert not await f.exists()
