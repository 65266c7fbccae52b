"""The dual calling convention: one operation blocks in sync code and is awaited in async code."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from flyte.io import Dir, File
from flyte.io._dual import dual, dual_async, dual_async_classmethod, dual_classmethod, loop_is_running


class Counter:
    """A toy with one operation of each kind."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    @dual
    def add(self, a: int, b: int = 1) -> int:
        """Adds, blocking."""
        self.threads.append(threading.current_thread().name)
        return a + b

    add_sync = add.blocking

    @dual_async
    async def add_async(self, a: int) -> int:
        """Adds, asynchronously."""
        await asyncio.sleep(0)
        return a + 100

    @dual_classmethod
    def make(cls: type[Counter]) -> Counter:
        return cls()

    @dual_async_classmethod
    async def amake(cls: type[Counter]) -> Counter:
        return cls()

    amake_sync = amake.blocking


def test_without_a_loop_calls_return_values() -> None:
    c = Counter()
    assert not loop_is_running()
    assert c.add(1, b=2) == 3
    assert c.add_async(1) == 101
    assert isinstance(Counter.make(), Counter) and isinstance(Counter.amake(), Counter)
    assert c.threads == [threading.current_thread().name]  # blocking work stays on the caller's thread


async def test_with_a_loop_calls_are_awaited() -> None:
    c = Counter()
    assert await c.add(1) == 2
    assert await c.add_async(1) == 101
    assert isinstance(await Counter.make(), Counter)
    assert isinstance(await Counter.amake(), Counter)
    # Blocking work ran on a worker thread, so the loop was never blocked.
    assert c.threads and c.threads[0] != threading.current_thread().name


async def test_aio_and_blocking_forms_ignore_the_loop() -> None:
    c = Counter()
    assert c.add_sync(5) == 6
    assert isinstance(Counter.amake_sync(), Counter)
    assert await c.add.aio(5) == 6
    assert c.add.sync(5) == 6


def test_aio_gives_a_coroutine_in_sync_code() -> None:
    assert asyncio.run(Counter().add.aio(2)) == 3


async def test_awaitables_compose_with_gather_and_tasks() -> None:
    c = Counter()
    results = await asyncio.gather(c.add(1), c.add_async(2), asyncio.create_task(c.add(3)))
    assert results == [2, 102, 4]


async def test_a_forgotten_await_is_reported_with_the_operation_name() -> None:
    coro = Counter().add(1)
    assert "Counter.add" in repr(coro)
    with pytest.warns(RuntimeWarning, match="Counter.add' was never awaited"):
        del coro
        import gc

        gc.collect()


def test_descriptors_keep_names_and_docs() -> None:
    assert Counter.add.__doc__ == "Adds, blocking."
    assert Counter.add.__name__ == "add"
    assert "Blocking form of ``add``" in (Counter.add_sync.__doc__ or "")
    assert File.read.__doc__ and File.from_local.__doc__ and Dir.download.__doc__


async def test_file_methods_in_async_code(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("async text")
    f = await File.from_local(path)
    assert f.path == str(path)
    assert await f.read() == "async text"
    assert await f.exists()
    assert await f.download() == str(path)
    # The *_sync names block even here.
    assert File.from_local_sync(path) == f and f.exists_sync() and f.download_sync() == str(path)


def test_read_gives_text_or_the_bytes_of_binary_content(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("héllo")
    binary = tmp_path / "table.parquet"
    binary.write_bytes(b"PAR1\x15\x04\xff\xfe\x00" + bytes(range(256)))
    assert File.from_local_sync(text).read() == "héllo"
    assert File.from_local_sync(binary).read() == binary.read_bytes()


async def test_read_in_async_code_gives_the_bytes_of_a_parquet_file(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "table.parquet"
    pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}).to_parquet(path)
    f = await File.from_local(path)
    data = await f.read()
    assert isinstance(data, bytes) and data.startswith(b"PAR1") and data == path.read_bytes()
    assert pd.read_parquet(f).shape == (3, 2)
