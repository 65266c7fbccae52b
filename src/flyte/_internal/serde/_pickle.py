"""The fallbacks: ``Any`` (msgpack-native values as they are) and cloudpickle for the rest."""

from __future__ import annotations

import contextlib
import logging
import typing
from typing import Any, ClassVar, Generic, TypeVar

import msgpack

from ._base import TypeTransformer, TypeTransformerFailedError, describe, mismatch, type_text
from ._codec import INT_MAX, INT_MIN, PICKLE_EXT_CODE

T = TypeVar("T")

logger = logging.getLogger("flyte")

_NATIVE_SCALARS = (str, bool, float, bytes, type(None))

# (reason, type) pairs already warned about: each is logged once per process.
_warned: set[tuple[str, Any]] = set()


def _warn_once(reason: str, tp: Any, message: str) -> None:
    key = (reason, tp)
    if key in _warned:
        return
    _warned.add(key)
    logger.warning(message, type_text(tp))


def pickle_value(value: Any) -> msgpack.ExtType:
    """Cloudpickles ``value`` into a msgpack extension value."""
    # Imported on first use: cloudpickle is heavy and most programs never need it.
    import cloudpickle

    try:
        data = cloudpickle.dumps(value)
    except Exception as e:  # pickling raises many types (PicklingError, TypeError, AttributeError)
        raise TypeTransformerFailedError(f"cannot pickle {describe(value)}: {e}") from e
    return msgpack.ExtType(PICKLE_EXT_CODE, data)


def unpickle_literal(literal: Any) -> Any:
    """Rebuilds a value pickled by :func:`pickle_value`.

    Unpickling runs whatever code the pickle names: only the transformers of types stored
    pickled call this, and readers without the task's code only when asked to.
    """
    if not isinstance(literal, msgpack.ExtType) or literal.code != PICKLE_EXT_CODE:
        raise TypeTransformerFailedError(f"expected a pickled value, got {describe(literal)}")
    import pickle

    return pickle.loads(literal.data)


def is_native(value: Any) -> bool:
    """Whether msgpack stores ``value`` and gives it back equal and of the same types.

    Tuples are not native (they come back as lists), nor are integers beyond 64 bits.
    """
    t = type(value)
    if t in _NATIVE_SCALARS:
        return True
    if t is int:
        return bool(INT_MIN <= value <= INT_MAX)
    if t is list:
        return all(is_native(v) for v in value)
    if t is dict:
        return all(_is_native_key(k) and is_native(v) for k, v in value.items())
    return False


def _is_native_key(key: Any) -> bool:
    t = type(key)
    return t in _NATIVE_SCALARS or (t is int and INT_MIN <= key <= INT_MAX)


class PickleTransformer(TypeTransformer[Any]):
    """A type no transformer handles: values are cloudpickled (``msgpack.ExtType(1, ...)``).

    Pickles tie the data to the Python and library versions that wrote them, so the first use
    of each such type logs a warning suggesting a registered transformer.
    """

    def __init__(self, python_type: Any) -> None:
        super().__init__(type_text(python_type), python_type)
        origin = typing.get_origin(python_type) or python_type
        self._check: type | None = origin if isinstance(origin, type) else None
        _warn_once(
            "declared",
            python_type,
            "flyte has no type transformer for %s: its values are pickled with cloudpickle, which "
            "ties them to this Python and its library versions. Register one with "
            "flyte.types.TypeEngine.register to store them portably.",
        )

    def to_literal(self, value: Any) -> Any:
        """The pickled value; it must be an instance of the declared class when that is a class."""
        if not _fits(value, self._check):
            raise mismatch(self.name, value)
        return pickle_value(value)

    def to_python_value(self, literal: Any) -> Any:
        """The unpickled value."""
        return unpickle_literal(literal)

    def schema(self) -> str:
        """``pickle:<type>``."""
        return f"pickle:{self.name}"


class AnyTransformer(TypeTransformer[Any]):
    """``Any`` and missing annotations: msgpack-native values as they are, others pickled.

    Native means ``None``, ``bool``, ``int``, ``float``, ``str``, ``bytes`` and lists and dicts
    of them; anything else (a tuple, a dataclass) is pickled whole, with a warning logged once
    per type suggesting an annotation.
    """

    def __init__(self) -> None:
        super().__init__("Any", Any)

    def to_literal(self, value: Any) -> Any:
        """``value`` itself when native, else its pickle."""
        if is_native(value):
            return value
        _warn_once(
            "any",
            type(value),
            "A %s value was given where the type is Any or not annotated: it is pickled with "
            "cloudpickle. Annotate the input or output with its type to store it portably.",
        )
        return pickle_value(value)

    def to_python_value(self, literal: Any) -> Any:
        """The literal, unpickled when it is a pickle."""
        if isinstance(literal, msgpack.ExtType):
            return unpickle_literal(literal)
        return literal

    def is_exact(self, value: Any) -> bool:
        """Never: in a union, ``Any`` takes only what no other variant takes."""
        return False

    def schema(self) -> str:
        """``"any"``."""
        return "any"


class FlytePickle(Generic[T]):
    """A marker type: a value annotated ``FlytePickle`` or ``FlytePickle[T]`` travels pickled.

    Use it to choose cloudpickle on purpose (no warning is logged) for a value flyte would
    otherwise store as data, or could not store at all. ``FlytePickle[T]`` also checks that the
    value is a ``T`` when ``T`` is a class. Pickles tie the data to the Python and library
    versions that wrote them, and only Python tasks can read them.
    """

    #: ``T`` of ``FlytePickle[T]``; None for the bare marker.
    _pickled_type: ClassVar[Any] = None
    _specialized: ClassVar[dict[Any, type[FlytePickle[Any]]]] = {}

    @classmethod
    def python_type(cls) -> Any:
        """``T`` of ``FlytePickle[T]``, or ``NoneType`` for the bare ``FlytePickle``."""
        return type(None) if cls._pickled_type is None else cls._pickled_type

    @classmethod
    async def to_pickle(cls, python_val: Any) -> str:
        """Cloudpickles ``python_val`` into a file, uploads it to the current run's storage
        (the file stays local outside a run) and returns its location."""
        import cloudpickle

        from flyte import storage

        data = cloudpickle.dumps(python_val)
        from ._codec import hash_bytes

        local = storage.get_random_local_path(hash_bytes(data) + ".pkl")
        local.write_bytes(data)
        return await storage.put(str(local))

    @classmethod
    async def from_pickle(cls, uri: str) -> Any:
        """The value pickled at ``uri`` by :meth:`to_pickle`, downloaded first when remote.

        Unpickling runs whatever code the pickle names: read only pickles you wrote.
        """
        import pickle

        from flyte import storage

        local = await storage.get(uri) if storage.is_remote(uri) else uri
        with open(local, "rb") as f:
            return pickle.load(f)

    def __class_getitem__(cls, python_type: Any) -> Any:
        """``FlytePickle[T]``: a subclass remembering ``T`` (the same class for the same ``T``)."""
        if python_type is None or isinstance(python_type, TypeVar):
            return cls
        try:
            found = FlytePickle._specialized.get(python_type)
        except TypeError:  # an unhashable argument: build a new class each time
            found = None
        if found is None:
            found = type(f"FlytePickle[{type_text(python_type)}]", (FlytePickle,), {"_pickled_type": python_type})
            with contextlib.suppress(TypeError):
                FlytePickle._specialized[python_type] = found
        return found


def is_flyte_pickle(tp: Any) -> bool:
    """Whether ``tp`` is :class:`FlytePickle` or a ``FlytePickle[T]``."""
    return isinstance(tp, type) and issubclass(tp, FlytePickle)


class FlytePickleTransformer(TypeTransformer[Any]):
    """``FlytePickle`` and ``FlytePickle[T]``: any value (but None) cloudpickled, without warning."""

    def __init__(self, marker: type[FlytePickle[Any]] = FlytePickle) -> None:
        super().__init__(marker.__name__, marker)
        inner = marker._pickled_type
        origin = typing.get_origin(inner) or inner
        checkable = isinstance(origin, type) and origin not in (Any, object)
        self._check: type | None = origin if checkable else None

    def to_literal(self, value: Any) -> Any:
        """The pickled value; None is refused, and a ``T`` is required for ``FlytePickle[T]``."""
        if value is None:
            raise TypeTransformerFailedError(f"expected a value to pickle as {self.name}, got None")
        if self._check is not None and not _fits(value, self._check):
            raise mismatch(type_text(self._check), value)
        return pickle_value(value)

    def to_python_value(self, literal: Any) -> Any:
        """The unpickled value."""
        return unpickle_literal(literal)

    def assert_type(self, t: Any, v: Any) -> None:
        """Any value can be pickled: nothing to check before :meth:`to_literal`."""

    def schema(self) -> str:
        """``pickle:<name>``, like the types pickled by default."""
        return f"pickle:{self.name}"


def _fits(value: Any, check: type | None) -> bool:
    """Whether ``value`` is a ``check`` (anything fits no check, or a Protocol that is not
    runtime-checkable and so cannot be checked)."""
    if check is None:
        return True
    try:
        return isinstance(value, check)
    except TypeError:
        return True
