"""NativeInterface: a task's typed inputs and output, and their canonical encoding."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any

import msgpack

from flyte.errors import RuntimeDataValidationError

from ._base import TypeTransformer, TypeTransformerFailedError
from ._codec import hash_bytes, pack, unpack
from ._engine import TypeEngine
from ._hints import resolve_hints

_EMPTY = inspect.Parameter.empty
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
# Errors building or packing literals: a value that does not fit (TypeError, ValueError), an
# integer msgpack cannot hold from a user's transformer (OverflowError), or a declared input
# missing from the values (KeyError).
_ENCODE_ERRORS = (TypeError, ValueError, OverflowError, KeyError)


class NativeInterface:
    """The inputs and output of a task, with their transformers resolved once.

    Inputs are encoded as a msgpack map of name to literal in declaration order: the same
    values always give the same bytes, so the bytes can be hashed into cache keys and
    action names.
    """

    inputs: dict[str, tuple[Any, Any]]

    def __init__(
        self,
        inputs: dict[str, tuple[Any, Any]],
        output_type: Any = Any,
        task_name: str = "",
        has_return_annotation: bool = True,
        keyword_only: frozenset[str] = frozenset(),
        *,
        outputs: dict[str, Any] | None = None,
        docstring: Any = None,
    ) -> None:
        # The flyte SDK's form, NativeInterface(inputs, {"o0": int}), names the outputs instead:
        # several become a tuple of their types, none means the task returns nothing. Its
        # parsed ``docstring`` is accepted and not kept (the task's ``docs`` has it).
        if isinstance(output_type, dict) or outputs is not None:
            named = outputs if outputs is not None else output_type
            types = list(named.values())
            output_type = None if not types else types[0] if len(types) == 1 else tuple.__class_getitem__(tuple(types))
            has_return_annotation = bool(types)
        #: ``name -> (type, default)`` in declaration order; ``inspect.Parameter.empty``
        #: marks a required input.
        self.inputs = inputs
        #: The return annotation (``Any`` when there is none, ``None`` for ``-> None``).
        self.output_type = output_type
        #: Whether the function declares a return type at all.
        self.has_return_annotation = has_return_annotation
        #: Whether the declared return type is ``None``.
        self.returns_none = output_type is None or output_type is type(None)
        #: The task's name, used in error messages.
        self.task_name = task_name
        #: ``name -> transformer`` of each input.
        self.input_transformers: dict[str, TypeTransformer[Any]] = {
            name: TypeEngine.get_transformer(tp) for name, (tp, _) in inputs.items()
        }
        #: The transformer of the output.
        self.output_transformer: TypeTransformer[Any] = TypeEngine.get_transformer(output_type)
        #: True when every input is immutable, so values may be handed over without decoding.
        self.inputs_passthrough = all(t.passthrough for t in self.input_transformers.values())
        #: True when the output is immutable, so it may be handed over without decoding.
        self.output_passthrough = self.output_transformer.passthrough

        self._label = f"Task '{task_name}'" if task_name else "Task"
        self._positional = [n for n in inputs if n not in keyword_only]
        self._encoders: list[tuple[str, Callable[[Any], Any]]] = [
            (n, t.to_literal) for n, t in self.input_transformers.items()
        ]
        self._decoders: list[tuple[str, Callable[[Any], Any], Any]] = [
            (n, t.to_python_value, inputs[n][1]) for n, t in self.input_transformers.items()
        ]

    @classmethod
    def from_function(cls, func: Callable[..., Any], task_name: str = "") -> NativeInterface:
        """The interface of ``func`` from its signature and (possibly string) annotations.

        A parameter without annotation is ``Any``; ``*args`` and ``**kwargs`` are refused,
        since every input of a task needs a name and a type.
        """
        sig = inspect.signature(func)
        hints = resolve_hints(func)
        inputs: dict[str, tuple[Any, Any]] = {}
        keyword_only = set()
        for p in sig.parameters.values():
            if p.kind in _VARIADIC:
                label = f"Task '{task_name}'" if task_name else f"Function '{func.__qualname__}'"
                raise TypeError(f"{label} has variadic parameter '{p}'; declare each input by name")
            if p.kind is inspect.Parameter.KEYWORD_ONLY:
                keyword_only.add(p.name)
            inputs[p.name] = (hints.get(p.name, Any), p.default)
        has_return = sig.return_annotation is not inspect.Signature.empty
        output = hints.get("return", Any) if has_return else Any
        if output is type(None):
            output = None
        return cls(inputs, output, task_name, has_return, frozenset(keyword_only))

    @functools.cached_property
    def interface_hash(self) -> str:
        """A hash of the input names, their schemas and the output schema.

        It changes when a type changes and is the same in every process.
        """
        shape = {
            "inputs": [[n, t.schema()] for n, t in self.input_transformers.items()],
            "output": self.output_transformer.schema(),
        }
        return hash_bytes(pack(shape))

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Maps a call's arguments to input names in declaration order, filling defaults."""
        positional = self._positional
        if len(args) > len(positional):
            raise TypeError(f"{self._label} takes {len(positional)} positional input(s) but {len(args)} were given")
        bound = dict(zip(positional, args, strict=False))
        for name, value in kwargs.items():
            if name in bound:
                raise TypeError(f"{self._label} got multiple values for input '{name}'")
            if name not in self.inputs:
                raise TypeError(f"{self._label} got an unexpected input '{name}'")
            bound[name] = value
        if len(bound) == len(self.inputs) and not kwargs:
            return bound  # all positional, so already in declaration order
        out = {}
        for name, (_, default) in self.inputs.items():
            if name in bound:
                out[name] = bound[name]
            elif default is _EMPTY:
                raise TypeError(f"{self._label} missing required input '{name}'")
            else:
                out[name] = default
        return out

    def encode_inputs(self, values: dict[str, Any]) -> bytes:
        """The canonical msgpack bytes of the inputs' literals.

        Raises :class:`~flyte.errors.RuntimeDataValidationError` naming the task and the input
        when a value does not fit its type.
        """
        try:
            return msgpack.packb({n: enc(values[n]) for n, enc in self._encoders}, use_bin_type=True)  # type: ignore[no-any-return]
        except _ENCODE_ERRORS as e:
            raise self._input_error(values, e) from None

    def _input_error(self, values: dict[str, Any], err: Exception) -> Exception:
        # The fast path converts everything in one expression; on failure, find the culprit.
        for name, enc in self._encoders:
            if name not in values:
                return TypeError(f"{self._label} missing required input '{name}'")
            try:
                pack(enc(values[name]))
            except _ENCODE_ERRORS as e:
                return RuntimeDataValidationError(name, e, self.task_name)
        return RuntimeDataValidationError("inputs", err, self.task_name)

    def decode_inputs(self, blob: bytes) -> dict[str, Any]:
        """Rebuilds the input values from :meth:`encode_inputs` bytes.

        An input missing from the bytes (written before it was added) takes its default.
        """
        lits = unpack(blob)
        out = {}
        for name, dec, default in self._decoders:
            if name in lits:
                out[name] = dec(lits[name])
            elif default is not _EMPTY:
                out[name] = default
            else:
                raise TypeTransformerFailedError(f"{self._label}: the encoded inputs lack '{name}'")
        return out

    def encode_output(self, value: Any) -> bytes:
        """The msgpack bytes of the output's literal, validated against the output type."""
        try:
            return pack(self.output_transformer.to_literal(value))
        except _ENCODE_ERRORS as e:
            raise RuntimeDataValidationError("output", e, self.task_name) from None

    def decode_output(self, blob: bytes) -> Any:
        """Rebuilds the output value from :meth:`encode_output` bytes."""
        return self.output_transformer.to_python_value(unpack(blob))

    # -- the SDK's views of the interface (flyte.models.NativeInterface) ----------------------------

    class has_default:
        """Marks an input whose default is known only to the server (a remote task's interface)."""

    @classmethod
    def from_callable(cls, func: Callable[..., Any]) -> NativeInterface:
        """The interface of ``func``; see :meth:`from_function`."""
        return cls.from_function(func)

    @classmethod
    def from_types(
        cls, inputs: dict[str, tuple[Any, Any]], outputs: dict[str, Any], default_inputs: dict[str, Any] | None = None
    ) -> NativeInterface:
        """An interface from ``name -> (type, default)`` inputs and ``name -> type`` outputs.

        Several outputs become a tuple of their types; ``default_inputs`` overrides defaults.
        """
        merged = {n: (tp, (default_inputs or {}).get(n, default)) for n, (tp, default) in inputs.items()}
        return cls(merged, outputs=outputs)

    @property
    def outputs(self) -> dict[str, Any]:
        """``name -> type`` of the outputs: ``o0``, ``o1``... or a NamedTuple's field names;
        empty for a task returning nothing."""
        if self.returns_none or not self.has_return_annotation:
            return {}
        tp = self.output_type
        if isinstance(tp, type) and hasattr(tp, "_fields"):
            return dict(resolve_hints(tp))
        if typing.get_origin(tp) is tuple:
            args = typing.get_args(tp)
            if args and args[-1] is not Ellipsis:
                return {f"o{i}": a for i, a in enumerate(args)}
        return {"o0": tp}

    @property
    def docstring(self) -> None:
        """The parsed docstring of the function; not kept here (the task's ``docs`` has it)."""
        return None

    def has_outputs(self) -> bool:
        """Whether the task returns anything."""
        return bool(self.outputs)

    def required_inputs(self) -> list[str]:
        """The names of the inputs without a default."""
        return [n for n, (_, default) in self.inputs.items() if default is _EMPTY]

    def num_required_inputs(self) -> int:
        """How many inputs have no default."""
        return len(self.required_inputs())

    def get_input_types(self) -> dict[str, Any]:
        """``name -> type`` of the inputs."""
        return {n: tp for n, (tp, _) in self.inputs.items()}

    def convert_to_kwargs(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """A call's arguments as ``name -> value``, defaults filled in."""
        return self.bind(args, kwargs)

    @functools.cached_property
    def json_schema(self) -> dict[str, Any]:
        """A JSON schema of the inputs: an object with one property per input; the inputs
        without a default are ``required``. A type JSON schema cannot express is ``{}``."""
        properties = {n: _type_schema(tp) for n, (tp, _) in self.inputs.items()}
        return {"type": "object", "properties": properties, "required": self.required_inputs()}

    def __repr__(self) -> str:
        args = ", ".join(f"{n}: {t.name}" for n, t in self.input_transformers.items())
        return f"NativeInterface({self.task_name!r}, ({args}) -> {self.output_transformer.name})"


def _type_schema(tp: Any) -> dict[str, Any]:
    """The JSON schema of one Python type, by pydantic (imported only when a schema is asked for)."""
    from pydantic import PydanticSchemaGenerationError, TypeAdapter
    from pydantic.errors import PydanticInvalidForJsonSchema

    try:
        return TypeAdapter(tp).json_schema()
    except (PydanticSchemaGenerationError, PydanticInvalidForJsonSchema, TypeError):
        return {}
