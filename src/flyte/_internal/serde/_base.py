"""The transformer base class, its error, and the textual names of types."""

from __future__ import annotations

import abc
import html
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any, ForwardRef, Generic, TypeVar

import msgpack

from flyte.errors import RuntimeUserError

from ._codec import PICKLE_EXT_CODE, unpack

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

    def __init__(
        self, name: str, t: Any = None, enable_type_assertions: bool = True, *, python_type: Any = None
    ) -> None:
        # ``t`` is the flyte SDK's name of the type; ``python_type=`` is accepted as well.
        self._name = name
        self._t = python_type if t is None else t
        self._type_assertions_enabled = enable_type_assertions

    @property
    def name(self) -> str:
        """The transformer's name, as shown in messages and interfaces."""
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    @property
    def python_type(self) -> Any:
        """The Python type this transformer converts."""
        return self._t

    @python_type.setter
    def python_type(self, value: Any) -> None:
        self._t = value

    @property
    def type_assertions_enabled(self) -> bool:
        """Whether the transformer asked for :meth:`assert_type` checks (``enable_type_assertions``).

        Kept for transformers written for the flyte SDK: flyte's own :meth:`to_literal`
        validates every value itself, so the engine never skips a check on its account.
        """
        return self._type_assertions_enabled

    def isinstance_generic(self, obj: Any, generic_alias: Any) -> None:
        """Raises :class:`TypeTransformerFailedError` unless ``obj`` is an instance of the
        alias's origin (``list`` for ``list[int]``); the items are not checked."""
        origin = typing.get_origin(generic_alias) or generic_alias
        if isinstance(origin, type) and not isinstance(obj, origin):
            raise mismatch(type_text(generic_alias), obj)

    def assert_type(self, t: Any, v: Any) -> None:
        """Raises :class:`TypeTransformerFailedError` when ``v`` is plainly not of type ``t``.

        Classes are checked with ``isinstance``, generic aliases by their origin; other forms
        (``Union``, ``Literal``...) are left to :meth:`to_literal`, which validates fully.
        """
        if typing.get_origin(t) is not None:
            if isinstance(t, types.GenericAlias):
                self.isinstance_generic(v, t)
            return
        if isinstance(t, type) and not isinstance(v, t):
            raise mismatch(type_text(t), v)

    def get_literal_type(self, t: Any = None) -> str:
        """The literal type of the values this transformer makes: its :meth:`schema` text.

        flyte's literal types are these texts (``"int"``, ``"list[str]"``,
        ``"dataclass:Point{x:float,y:float}"``); :meth:`TypeEngine.guess_python_type` reads
        them back. ``t`` is accepted for the flyte SDK's signature; the transformer describes
        the type it was built for.
        """
        return self.schema()

    def guess_python_type(self, literal_type: str) -> Any:
        """The Python type whose literal type is ``literal_type``: this transformer's own type
        when the text is its :meth:`schema`; otherwise :class:`ValueError`."""
        if literal_type == self.schema():
            return self.python_type
        raise ValueError(f"{self.name} does not make literals of type {literal_type!r}")

    def schema_match(self, schema: dict[str, Any]) -> bool:
        """Whether a JSON schema fragment describes this transformer's type.

        Pydantic models compare title, type and required fields with their own JSON schema;
        dataclasses compare title with the class name and properties with the field names.
        Anything else never matches.
        """
        if not isinstance(schema, dict):
            return False
        tp = self.python_type
        own = getattr(tp, "model_json_schema", None)
        if callable(own):
            try:
                mine = own()
            except Exception:  # a model with a field JSON schema cannot express
                return False
            return bool(
                schema.get("title") == mine.get("title")
                and schema.get("type") == mine.get("type")
                and set(schema.get("required", [])) == set(mine.get("required", []))
            )
        fields = getattr(tp, "__dataclass_fields__", None)
        if isinstance(tp, type) and fields is not None:
            return schema.get("title") == tp.__name__ and set(schema.get("properties", {})) == set(fields)
        return False

    def from_binary_idl(self, binary_idl_object: Any, expected_python_type: Any = None) -> Any:
        """Rebuilds a value from the msgpack bytes of its literal.

        ``binary_idl_object`` is those bytes, or an object with ``tag == "msgpack"`` and the
        bytes as ``value`` (the flyte SDK's Binary). Other tags raise
        :class:`TypeTransformerFailedError`.
        """
        data = binary_idl_object
        if not isinstance(data, (bytes, bytearray, memoryview)):
            tag = getattr(binary_idl_object, "tag", None)
            if tag != "msgpack":
                raise TypeTransformerFailedError(f"unsupported binary format {tag!r}: expected msgpack")
            data = binary_idl_object.value
        return self.to_python_value(unpack(bytes(data)))

    def to_html(self, python_val: T, expected_python_type: Any = None) -> str:
        """An HTML rendering of ``python_val`` for a report: its ``str``, HTML-escaped.

        Override it for types with a richer rendering (a table for a frame, say).
        """
        return html.escape(str(python_val))

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
