"""Which types may cross into a sandboxed orchestrator."""

from __future__ import annotations

import inspect
import typing
from typing import Any, Mapping

_SCALARS: frozenset[Any] = frozenset({int, float, str, bool, bytes, type(None)})
_COLLECTIONS: frozenset[Any] = frozenset({list, dict, tuple, set, frozenset})
_SUPPORTED = (
    "primitives (int, float, str, bool, bytes, None), collections (list, dict, tuple, set, frozenset) "
    "and the opaque handles flyte.io.File, Dir and DataFrame"
)


def _io_types() -> tuple[type, ...]:
    from flyte.io import DataFrame, Dir, File

    return (File, Dir, DataFrame)


def is_sandbox_type(tp: Any) -> bool:
    """Whether values of ``tp`` can be handed to (or returned from) the sandbox."""
    if tp is Any or tp is None or tp is inspect.Parameter.empty:
        return True
    origin = typing.get_origin(tp)
    if origin is typing.Union or type(tp).__name__ == "UnionType":
        return all(is_sandbox_type(arg) for arg in typing.get_args(tp))
    if origin in _COLLECTIONS:
        return all(is_sandbox_type(arg) for arg in typing.get_args(tp) if arg is not Ellipsis)
    return tp in _SCALARS or tp in _COLLECTIONS or tp in _io_types()


def check_interface(task_name: str, inputs: Mapping[str, tuple[Any, Any]], output: Any) -> None:
    """Refuses an interface with a type the sandbox cannot hold.

    Raises:
        TypeError: naming the task and the offending input or output.
    """
    for name, (tp, _default) in inputs.items():
        if not is_sandbox_type(tp):
            raise TypeError(
                f"Sandboxed task '{task_name}': input '{name}' has type {tp!r}, which cannot enter the sandbox; "
                f"use {_SUPPORTED}"
            )
    if not is_sandbox_type(output):
        raise TypeError(
            f"Sandboxed task '{task_name}': the output type {output!r} cannot leave the sandbox; use {_SUPPORTED}"
        )
