"""Marking a task output as an artifact: :func:`new` and the :class:`Artifact` protocol."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Optional, Protocol, TypeVar, cast, runtime_checkable

from ._metadata import Metadata

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

_SLOTS = ("_obj", "_flyte_metadata")
# Looked up on the wrapper itself; every other attribute is the wrapped value's.
_OWN = frozenset(
    {
        *_SLOTS,
        "get_artifact_metadata",
        "__call__",
        "__repr__",
        "__str__",
        "__bool__",
        "__len__",
        "__iter__",
        "__getitem__",
        "__setitem__",
        "__contains__",
        "__eq__",
        "__hash__",
    }
)


@runtime_checkable
class Artifact(Protocol[T_co]):
    """A value that declares itself an artifact: it has ``get_artifact_metadata()``.

    Only methods are required, so any type (a plugin's volume, say) can take part.
    """

    def get_artifact_metadata(self) -> Optional[Metadata]:
        """The metadata to publish this value with, or None to publish nothing."""
        ...


class ArtifactWrapper:
    """A value with artifact metadata attached; it behaves as (and claims the class of) the value."""

    __slots__ = _SLOTS

    def __init__(self, obj: Any, metadata: Metadata) -> None:
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_flyte_metadata", metadata)

    def __getattribute__(self, name: str) -> Any:
        if name == "__class__":
            return type(object.__getattribute__(self, "_obj"))
        if name in _OWN:
            return object.__getattribute__(self, name)
        return getattr(object.__getattribute__(self, "_obj"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(object.__getattribute__(self, "_obj"), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(object.__getattribute__(self, "_obj"), name)

    def get_artifact_metadata(self) -> Metadata:
        """A copy of the metadata this value is published with."""
        metadata: Metadata = object.__getattribute__(self, "_flyte_metadata")
        return copy.deepcopy(metadata)

    def __repr__(self) -> str:
        obj = object.__getattribute__(self, "_obj")
        return f"Artifact[{type(obj).__name__}]({obj!r})"

    def __str__(self) -> str:
        return str(object.__getattribute__(self, "_obj"))

    def __bool__(self) -> bool:
        return bool(object.__getattribute__(self, "_obj"))

    def __len__(self) -> int:
        return len(object.__getattribute__(self, "_obj"))

    def __iter__(self) -> Any:
        return iter(object.__getattribute__(self, "_obj"))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return object.__getattribute__(self, "_obj")(*args, **kwargs)

    def __getitem__(self, key: Any) -> Any:
        return object.__getattribute__(self, "_obj")[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        object.__getattribute__(self, "_obj")[key] = value

    def __contains__(self, item: Any) -> bool:
        return item in object.__getattribute__(self, "_obj")

    def __eq__(self, other: object) -> bool:
        return bool(object.__getattribute__(self, "_obj") == unwrap(other))

    def __hash__(self) -> int:
        return hash(object.__getattribute__(self, "_obj"))


def is_wrapper(value: Any) -> bool:
    """Whether ``value`` is a value returned by :func:`new`."""
    return type(value) is ArtifactWrapper


def unwrap(value: Any) -> Any:
    """The plain value inside a wrapper made by :func:`new`; anything else as is."""
    return object.__getattribute__(value, "_obj") if is_wrapper(value) else value


def declared_metadata(value: Any) -> Optional[Metadata]:
    """The metadata ``value`` declares (a wrapper, or any :class:`Artifact`), else None."""
    if isinstance(value, type) or not isinstance(value, Artifact):
        return None
    getter = getattr(value, "get_artifact_metadata", None)
    return getter() if callable(getter) else None


def check_artifactable(obj: Any) -> None:
    """Refuses a value that cannot be an artifact: only File, Dir, DataFrame and values that
    declare themselves artifacts are stored assets that can be published.

    Raises:
        TypeError: naming the value's type.
    """
    from flyte.io import DataFrame, Dir, File

    if isinstance(obj, (File, Dir, DataFrame)) or declared_metadata(obj) is not None:
        return
    raise TypeError(
        f"A {type(obj).__name__!r} cannot be an artifact: artifacts are stored assets, a flyte.io.File, "
        "flyte.io.Dir or flyte.io.DataFrame (wrap a dataframe with DataFrame.from_df())"
    )


def check_not_nested(value: Any, depth: int = 0) -> None:
    """Refuses an artifact inside a container, dataclass or model: only a task's top-level
    outputs can be artifacts, and a nested one would silently lose its metadata."""
    if depth > 10 or value is None or isinstance(value, (str, bytes, int, float, complex)):
        return
    if is_wrapper(value):
        if depth > 0:
            raise TypeError(
                "Artifacts cannot be nested inside containers or models; return the artifact as a top-level task output"
            )
        check_not_nested(unwrap(value), depth + 1)
        return
    if isinstance(value, dict):
        children: Any = value.values()
    elif isinstance(value, (list, tuple, set, frozenset)):
        children = value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        children = [getattr(value, f.name) for f in dataclasses.fields(value)]
    else:
        fields = getattr(type(value), "model_fields", None)
        children = [getattr(value, f, None) for f in fields] if isinstance(fields, dict) else []
    for child in children:
        check_not_nested(child, depth + 1)


def new(obj: T, metadata: Metadata) -> T:
    """``obj`` marked as an artifact published with ``metadata`` when a task returns it.

    The result behaves as ``obj`` (same attributes, same class for ``isinstance``); callers of
    the task get the plain value. Only File, Dir and DataFrame (or types declaring themselves
    artifacts) can be artifacts, and only as top-level task outputs.

    Raises:
        TypeError: ``obj`` cannot be an artifact, or ``metadata`` is not a :class:`Metadata`.
    """
    if not isinstance(metadata, Metadata):
        raise TypeError(f"flyte.artifacts.new: metadata must be a flyte.artifacts.Metadata, got {metadata!r}")
    check_artifactable(obj)
    return cast(T, ArtifactWrapper(unwrap(obj), metadata))
