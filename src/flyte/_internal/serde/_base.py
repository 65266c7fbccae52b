"""The transformer base class, its error, and the textual names of types."""

from __future__ import annotations

import abc
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any, ForwardRef, Generic, TypeVar

import msgpack

from flyte.errors import RuntimeUserError

from ._codec import PICKLE_EXT_CODE

T = TypeVar("T")

# Values whose repr is short and safe to quote in an error message.
_QUOTABLE = (str, int, float, bool, bytes, type(None))

#: What a transformer may raise for a value that does not fit. ValueError is included because
#: user transformers and the constructors they call (``int("x")``) raise it for bad values.
CONVERSION_ERRORS = (TypeError, ValueError)


class TypeTransformerFailedError(RuntimeUserError, TypeError):
    """A value does not fit the type its transformer handles.

    It is a :class:`TypeError` too, so ``except TypeError`` catches it. ``path`` locates the
    offending part inside a nested value (``"[2].name"``) and prefixes the message.
    """

    reason: str = ""
    path: str = ""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__("TypeTransformerFailedError", f"{path}: {message}" if path else message)
        self.reason = message
        self.path = path


class TypeTransformer(abc.ABC, Generic[T]):
    """Converts values of one Python type to a msgpack-able literal and back.

    Subclass it to teach flyte a type of your own and register it with
    :meth:`TypeEngine.register`. ``to_literal`` must return only ``None``, ``bool``, ``int``,
    ``float``, ``str``, ``bytes``, lists, dicts or ``msgpack.ExtType`` and raise
    :class:`TypeError` (for instance :class:`TypeTransformerFailedError`) naming what was
    expected and what was given when a value does not fit.
    """

    #: True when values of the type are immutable, so a value may be handed to another task
    #: unchanged instead of being decoded from its literal.
    passthrough: bool = False

    def __init__(self, name: str, python_type: Any) -> None:
        self.name = name
        self.python_type = python_type

    @abc.abstractmethod
    def to_literal(self, value: T) -> Any:
        """Converts ``value`` to its literal; raises ``TypeError`` when it does not fit."""

    @abc.abstractmethod
    def to_python_value(self, literal: Any) -> T:
        """Rebuilds the Python value from a literal made by :meth:`to_literal`."""

    def schema(self) -> str:
        """A stable text describing the literal's shape; it feeds the interface hash.

        The default names the transformer class and the type; override it when the shape
        depends on more than that.
        """
        return f"{type(self).__qualname__}({type_text(self.python_type)})"

    def is_exact(self, value: Any) -> bool:
        """Whether ``value`` is exactly of this type, not merely convertible to it.

        Unions use it to prefer the variant a value belongs to over one that would accept it.
        """
        return type(value) is (typing.get_origin(self.python_type) or self.python_type)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"


def type_text(tp: Any) -> str:
    """A short, stable name for a type or generic alias, as used in messages and schemas.

    Classes are named by qualified name without their module, so a type reads the same
    whether its module ran as ``__main__`` or was imported.
    """
    if tp is None or tp is type(None):
        return "None"
    if tp is Any:
        return "Any"
    if tp is Ellipsis:
        return "..."
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return type_text(args[0])
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    if origin is typing.Union or origin is types.UnionType:
        return " | ".join(type_text(a) for a in args)
    if origin is not None:
        base = type_text(origin)
        return f"{base}[{', '.join(type_text(a) for a in args)}]" if args else base
    if isinstance(tp, type):
        return tp.__qualname__
    if isinstance(tp, TypeVar):
        return tp.__name__
    if isinstance(tp, ForwardRef):
        return tp.__forward_arg__
    if isinstance(tp, str):
        return tp
    return repr(tp)


def describe(value: Any) -> str:
    """Names a value's type for an error message, quoting short scalar values."""
    name = type_text(type(value))
    if value is None:
        return name
    if isinstance(value, _QUOTABLE):
        text = repr(value)
        return f"{name} {text if len(text) <= 40 else text[:37] + '...'}"
    return name


def mismatch(expected: str, value: Any) -> TypeTransformerFailedError:
    """The error for a value that is not of the ``expected`` type."""
    return TypeTransformerFailedError(f"expected {expected}, got {describe(value)}")


def refuse_pickled(expected: str, literal: Any) -> None:
    """Raises when ``literal`` is a pickled value: a literal of ``expected`` never is one.

    Only the transformers of types stored pickled (``Any``, classes without a transformer)
    unpickle. Any other meeting a pickle is reading forged or mismatched data, which it would
    misread, and which no reader chose to run: unpickling runs whatever code its writer named.
    """
    if isinstance(literal, msgpack.ExtType):
        if literal.code != PICKLE_EXT_CODE:
            raise TypeTransformerFailedError(f"expected {expected}, got an extension value of code {literal.code}")
        raise TypeTransformerFailedError(
            f"expected {expected}, got a pickled value ({len(literal.data)} bytes): only values "
            "of types stored pickled (Any, classes without a transformer) are unpickled"
        )


def nested_error(segment: str, err: Exception) -> TypeTransformerFailedError:
    """Re-raises a child's error one level up, prefixing its path with ``segment``."""
    if isinstance(err, TypeTransformerFailedError):
        return TypeTransformerFailedError(err.reason or err.message, segment + err.path)
    return TypeTransformerFailedError(str(err), segment)


def locate_failure(
    convert: Callable[[Any], Any], items: Iterable[tuple[str, Any]], err: Exception
) -> TypeTransformerFailedError:
    """Finds which item of a container made ``err`` and returns an error naming its path.

    Containers convert their items in one fast comprehension and only walk them again, item by
    item, once that has failed.
    """
    for segment, item in items:
        try:
            convert(item)
        except CONVERSION_ERRORS as e:
            return nested_error(segment, e)
    # The item that failed succeeded on the second try: report the first failure as it was.
    return nested_error("", err)
