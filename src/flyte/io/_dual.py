"""One I/O operation, two calling conventions: it blocks in sync code and is awaited in async code.

The spec prints ``content = input_file.read()`` in a sync task, while async tasks write
``await f.read()``. A method decorated here checks whether an event loop is running in the
calling thread: if none is (a sync task runs on a worker thread without one), it runs to
completion and returns the value; if one is, it returns a coroutine for the caller to await,
so the loop is never blocked.

Each operation is written once, in whichever form fits its I/O: :func:`dual` and
:func:`dual_classmethod` take a blocking function and run it on a worker thread when awaited
(the store's sync calls stream without a round trip to the loop per chunk); :func:`dual_async`
and :func:`dual_async_classmethod` take a coroutine function, for operations that gain from
concurrency (uploading a folder), and run it on a private loop when called from sync code.
Every bound operation also has ``.aio(...)``, always a coroutine, and ``.blocking``, a
descriptor for the SDK's ``*_sync`` names that always blocks.
"""

from __future__ import annotations

import asyncio
import functools
import types
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from typing_extensions import Self

from flyte._syncify import run_sync

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
T = TypeVar("T")


def loop_is_running() -> bool:
    """Whether an event loop runs in this thread, i.e. whether the caller is async code."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class BoundDual(Generic[P, R]):
    """An operation bound to its object or class: call it, await it, or force either form."""

    __slots__ = ("_aio", "_blocking", "_qualname")

    def __init__(
        self,
        blocking: Callable[P, R],
        aio: Callable[P, Coroutine[Any, Any, R]],
        qualname: str,
    ) -> None:
        self._blocking = blocking
        self._aio = aio
        self._qualname = qualname

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """The value in sync code; in async code a coroutine giving it (typed by ``.aio``)."""
        if loop_is_running():
            return self.aio(*args, **kwargs)  # type: ignore[return-value]
        return self._blocking(*args, **kwargs)

    def aio(self, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, R]:
        """The coroutine form, whatever the calling thread."""
        coro = self._aio(*args, **kwargs)
        if isinstance(coro, types.CoroutineType):
            # Python's "never awaited" warning then names the operation the user called.
            coro.__qualname__ = self._qualname
        return coro

    def sync(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """The blocking form, whatever the calling thread."""
        return self._blocking(*args, **kwargs)


class _Dual(Generic[S, P, R]):
    """Descriptor of an instance method; :class:`_DualClass` binds the class instead."""

    def __init__(
        self,
        blocking: Callable[Concatenate[S, P], R],
        aio: Callable[Concatenate[S, P], Coroutine[Any, Any, R]],
        func: Callable[..., Any],
    ) -> None:
        self._blocking_func = blocking
        self._aio_func = aio
        self.__doc__ = func.__doc__
        self.__name__ = func.__name__
        self.__qualname__ = func.__qualname__
        self.__wrapped__ = func

    def bind(self, target: S) -> BoundDual[P, R]:
        """The operation bound to ``target``: an instance, or a class for class methods."""
        return BoundDual(
            functools.partial(self._blocking_func, target),
            functools.partial(self._aio_func, target),
            self.__qualname__,
        )

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: S, owner: type[Any] | None = None) -> BoundDual[P, R]: ...
    def __get__(self, obj: S | None, owner: type[Any] | None = None) -> Self | BoundDual[P, R]:
        return self if obj is None else self.bind(obj)

    @property
    def blocking(self) -> _Blocking[P, R]:
        """A descriptor for the SDK's ``*_sync`` name of this operation: it always blocks."""
        return _Blocking(self)


class _DualClass(_Dual[type[T], P, R]):
    """Descriptor of a class method: bound to the class it is looked up on."""

    def __get__(self, obj: object | None, owner: type[Any] | None = None) -> BoundDual[P, R]:  # type: ignore[override]
        return self.bind(owner if owner is not None else type(obj))  # type: ignore[arg-type]


class _Blocking(Generic[P, R]):
    """The ``*_sync`` twin: the same operation, always run to completion."""

    def __init__(self, dual: _Dual[Any, P, R]) -> None:
        self._dual = dual
        self.__doc__ = f"Blocking form of ``{dual.__name__}``: runs to completion even inside async code."

    def __get__(self, obj: object | None, owner: type[Any] | None = None) -> Callable[P, R]:
        bound = self._dual.__get__(obj, owner)
        if not isinstance(bound, BoundDual):
            # Looked up on the class (for help() and docs): the descriptor itself.
            return self
        return bound.sync


def _from_blocking(
    func: Callable[Concatenate[S, P], R],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    async def in_thread(target: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        # to_thread copies the context: the worker sees the current action and its raw-data prefix.
        return await asyncio.to_thread(func, target, *args, **kwargs)

    return in_thread


def _from_async(afunc: Callable[Concatenate[S, P], Coroutine[Any, Any, R]]) -> Callable[Concatenate[S, P], R]:
    def blocking(target: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return run_sync(afunc(target, *args, **kwargs))

    return blocking


def dual(func: Callable[Concatenate[S, P], R]) -> _Dual[S, P, R]:
    """A method written blocking; awaited, it runs on a worker thread."""
    return _Dual(func, _from_blocking(func), func)


def dual_classmethod(func: Callable[Concatenate[type[T], P], R]) -> _DualClass[T, P, R]:
    """A class method written blocking; awaited, it runs on a worker thread."""
    return _DualClass(func, _from_blocking(func), func)


def dual_async(afunc: Callable[Concatenate[S, P], Coroutine[Any, Any, R]]) -> _Dual[S, P, R]:
    """A method written async; called from sync code, it runs on a private event loop."""
    return _Dual(_from_async(afunc), afunc, afunc)


def dual_async_classmethod(
    afunc: Callable[Concatenate[type[T], P], Coroutine[Any, Any, R]],
) -> _DualClass[T, P, R]:
    """A class method written async; called from sync code, it runs on a private event loop."""
    return _DualClass(_from_async(afunc), afunc, afunc)
