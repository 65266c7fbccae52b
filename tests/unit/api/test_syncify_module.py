"""flyte.syncify: async functions, methods and async generators called from sync and async code,
all on the instance's one background loop, with the caller's context."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import AsyncIterator

import pytest

from flyte.syncify import Syncify, syncify

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
syncer = Syncify("test_syncer")


@syncify
async def greet(name: str) -> str:
    await asyncio.sleep(0)
    return f"Hello {name}"


@syncer
async def loop_of_call() -> tuple[int, str, str]:
    return id(asyncio.get_running_loop()), threading.current_thread().name, REQUEST_ID.get()


@syncer
async def count(n: int) -> AsyncIterator[int]:
    for i in range(n):
        yield i


class Client:
    def __init__(self, base: str) -> None:
        self.base = base

    @syncer
    async def get(self, path: str) -> str:
        return self.base + path

    @syncer
    @classmethod
    async def make(cls, base: str) -> Client:
        return cls(base)

    @syncer
    @staticmethod
    async def version() -> int:
        return 2


def test_sync_and_async_calls() -> None:
    assert greet("World") == "Hello World"

    async def main() -> str:
        return await greet.aio("Async")

    assert asyncio.run(main()) == "Hello Async"
    assert greet.__name__ == "greet"


def test_every_call_runs_on_the_instances_one_loop_with_the_callers_context() -> None:
    REQUEST_ID.set("r-1")
    first = loop_of_call()

    async def main() -> tuple[int, str, str]:
        REQUEST_ID.set("r-2")
        return await loop_of_call.aio()

    second = asyncio.run(main())
    assert first[0] == second[0] and first[1] == second[1] == "test_syncer"
    assert (first[2], second[2]) == ("r-1", "r-2")


def test_async_generators_iterate_both_ways() -> None:
    assert list(count(4)) == [0, 1, 2, 3]

    async def main() -> list[int]:
        return [i async for i in count.aio(3)]

    assert asyncio.run(main()) == [0, 1, 2]


def test_methods_classmethods_and_staticmethods() -> None:
    client = Client.make("http://x")
    assert isinstance(client, Client)
    assert client.get("/a") == "http://x/a"
    assert Client.version() == 2

    async def main() -> str:
        made = await Client.make.aio("http://y")
        return await made.get.aio("/b")

    assert asyncio.run(main()) == "http://y/b"


def test_a_sync_call_from_the_instances_own_loop_is_refused() -> None:
    @syncer
    async def inner() -> int:
        return 1

    @syncer
    async def outer() -> int:
        return inner()  # type: ignore[no-any-return]

    with pytest.raises(RuntimeError, match=r"await its \.aio\(\) form instead"):
        outer()


def test_only_async_code_is_wrapped() -> None:
    with pytest.raises(TypeError, match="syncify wraps async functions"):
        syncify(lambda: 1)
