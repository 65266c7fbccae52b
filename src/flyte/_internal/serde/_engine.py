"""TypeEngine: finds the transformer of a type, caches it, and lets users register their own."""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import datetime as dt
import enum
import importlib
import inspect
import sys
import threading
import types
import typing
from collections.abc import Callable, KeysView, Mapping
from typing import Any, ClassVar

from . import _engine_views as views
from ._base import TypeTransformer
from ._choices import EnumTransformer, LiteralTransformer
from ._collections import DictTransformer, ListTransformer, SetTransformer, TupleTransformer
from ._guess import parse_literal_type
from ._pickle import AnyTransformer, FlytePickle, FlytePickleTransformer, PickleTransformer, is_flyte_pickle
from ._protobuf import ProtobufTransformer, is_protobuf_message
from ._pydantic import PydanticTransformer, is_pydantic_model
from ._records import (
    DataclassTransformer,
    NamedTupleTransformer,
    TypedDictTransformer,
    is_namedtuple,
    is_typeddict,
)
from ._restricted import RestrictedTypeTransformer
from ._scalars import (
    BoolTransformer,
    BytesTransformer,
    FloatTransformer,
    IntTransformer,
    NoneTransformer,
    StrTransformer,
)
from ._temporal import DatetimeTransformer, DateTransformer, TimedeltaTransformer, TimeTransformer
from ._union import UnionTransformer

_SCALARS: dict[Any, Callable[[], TypeTransformer[Any]]] = {
    int: IntTransformer,
    float: FloatTransformer,
    str: StrTransformer,
    bool: BoolTransformer,
    bytes: BytesTransformer,
    dt.datetime: DatetimeTransformer,
    dt.date: DateTransformer,
    dt.time: TimeTransformer,
    dt.timedelta: TimedeltaTransformer,
}
_SEQUENCES = {list: (list,), cabc.Sequence: (list, tuple), cabc.MutableSequence: (list,)}
_MAPPINGS = {dict, cabc.Mapping, cabc.MutableMapping}
_SETS = {set, frozenset, cabc.Set, cabc.MutableSet}
_ANY_TYPES = (Any, object, inspect.Parameter.empty)


def _frame_provider(library: str) -> Callable[[], None]:
    def provide() -> None:
        # Imported by name: the frame transformers live in flyte.io, a layer above this one, and
        # loading them loads pyarrow, which only a program using frames should pay for.
        try:
            frames = importlib.import_module("flyte.io._frames")
        except ModuleNotFoundError as e:
            if e.name != "pyarrow":
                raise
            raise ImportError(f"flyte stores {library} frames as parquet with pyarrow: pip install pyarrow") from e
        frames.register(library)

    return provide


def _cache_key(tp: Any) -> Any:
    # Typing objects compare loosely: Union[int, str] == Union[str, int] and
    # Literal[1] == Literal[True]. Their transformers differ (tags, schemas), so aliases are
    # keyed by their origin and the exact sequence of their arguments.
    origin = typing.get_origin(tp)
    if origin is None:
        return tp
    args = typing.get_args(tp)
    if origin is typing.Literal:
        return (origin, tuple((type(a), a) for a in args))
    return (origin, tuple(_cache_key(a) for a in args))


class TypeEngine:
    """Maps Python types to their :class:`TypeTransformer`.

    Transformers are built once per type and cached. Registered transformers win over the
    built-in ones and over the pickle fallback, and also serve subclasses of their type.
    """

    _registry: dict[Any, TypeTransformer[Any]] = {}
    _cache: dict[Any, TypeTransformer[Any]] = {}
    _lock = threading.RLock()
    #: The lock guarding registration and lazy loading (the flyte SDK's name for it).
    lazy_import_lock: ClassVar[threading.RLock] = _lock
    #: Top-level module name -> the function registering that library's transformers; each runs
    #: once, when a type from its module is first looked up (see :meth:`register_lazy_provider`).
    _lazy_providers: dict[str, Callable[[], None]] = {
        library: _frame_provider(library) for library in ("pandas", "polars", "pyarrow")
    }

    @classmethod
    def register(cls, transformer: TypeTransformer[Any], additional_types: list[type] | None = None) -> None:
        """Makes ``transformer`` handle its ``python_type`` and every type in ``additional_types``.

        Register before defining the tasks that use the type: an interface keeps the
        transformers it was built with.
        """
        if not isinstance(transformer, TypeTransformer):
            raise TypeError(f"expected a TypeTransformer, got {type(transformer).__name__}")
        with cls._lock:
            for tp in [transformer.python_type, *(additional_types or [])]:
                cls._registry[tp] = transformer
            # Containers built earlier hold the transformers they were built with.
            cls._cache.clear()

    @classmethod
    def register_lazy_provider(cls, library: str, provider: Callable[[], None]) -> None:
        """Calls ``provider`` the first time a type from the top-level module ``library`` is looked up.

        ``provider`` registers the transformers of that library's types. This keeps heavy
        libraries out of ``import flyte``: nothing of theirs loads until a task names one of
        their types.
        """
        with cls._lock:
            cls._lazy_providers[library] = provider
            # A type of that library built before now fell back to pickle: build it again.
            cls._cache.clear()

    @classmethod
    def get_transformer(cls, tp: Any) -> TypeTransformer[Any]:
        """The transformer of ``tp``: a class, a generic alias, a Union, a Literal, ``Any``..."""
        if typing.get_origin(tp) is typing.Annotated:
            inner, *metadata = typing.get_args(tp)
            # A transformer in the metadata (Annotated[X, MyTransformer()]) converts this use of X.
            chosen = next((m for m in metadata if isinstance(m, TypeTransformer)), None)
            return chosen if chosen is not None else cls.get_transformer(inner)
        try:
            key = _cache_key(tp)
            found = cls._cache.get(key)
        except TypeError:  # an unhashable argument somewhere in the alias: build it every time
            return cls._build(tp)
        if found is not None:
            return found
        with cls._lock:
            found = cls._cache.get(key)
            if found is None:
                found = cls._build(tp)
                cls._cache[key] = found
            return found

    @classmethod
    def to_literal(cls, value: Any, tp: Any) -> Any:
        """Converts ``value`` of type ``tp`` to its literal; ``TypeError`` when it does not fit."""
        return cls.get_transformer(tp).to_literal(value)

    @classmethod
    def to_python_value(cls, literal: Any, tp: Any) -> Any:
        """Rebuilds a value of type ``tp`` from its literal."""
        return cls.get_transformer(tp).to_python_value(literal)

    # -- the flyte SDK's conveniences (see _engine_views for the forms) -------------------------

    @classmethod
    def to_literal_type(cls, python_type: Any) -> str:
        """The literal type of ``python_type``: its transformer's schema text (``"list[int]"``)."""
        return cls.get_transformer(python_type).get_literal_type(python_type)

    @classmethod
    def guess_python_type(cls, flyte_type: str) -> Any:
        """A Python type whose literals have the literal type ``flyte_type``.

        A registered transformer whose schema it is wins; built-in forms are read back, records
        as new classes of the same fields, enums as new Enums, pickles as :class:`FlytePickle`.
        Raises :class:`ValueError` when nothing reads it.
        """
        return parse_literal_type(flyte_type, cls._guess_registered)

    @classmethod
    def guess_python_types(cls, flyte_variable_list: Mapping[str, str] | Any) -> dict[str, Any]:
        """``name -> guessed type`` from ``name -> literal type`` (a mapping or ``(name, type)`` pairs)."""
        items = flyte_variable_list.items() if isinstance(flyte_variable_list, Mapping) else flyte_variable_list
        return {name: cls.guess_python_type(lt) for name, lt in items}

    @classmethod
    def _guess_registered(cls, text: str) -> Any | None:
        if text.startswith("ref:") and "flyte.io" not in sys.modules:
            importlib.import_module("flyte.io")  # File and Dir register themselves on import
        for transformer in list(cls._registry.values()):
            try:
                return transformer.guess_python_type(text)
            except ValueError:
                continue
        return None

    @classmethod
    def literal_map_to_kwargs(
        cls,
        lm: Mapping[str, Any] | bytes,
        python_types: Mapping[str, Any] | None = None,
        literal_types: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The Python values of a literal map (a dict of literals, or its msgpack bytes).

        Each is decoded with its type in ``python_types``, or with the type guessed from its
        literal type in ``literal_types``; an error names the input that failed.
        """
        return views.literal_map_to_kwargs(cls, lm, python_types, literal_types)

    @classmethod
    def dict_to_literal_map(cls, d: Mapping[str, Any], type_hints: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``name -> literal`` of ``d``'s values, typed by ``type_hints`` or else by their class."""
        return views.dict_to_literal_map(cls, d, type_hints)

    @classmethod
    def named_tuple_to_variable_map(cls, t: Any) -> dict[str, str]:
        """``field -> literal type`` of a NamedTuple class, in field order."""
        return views.named_tuple_to_variable_map(cls, t)

    @classmethod
    def to_literal_checks(cls, python_val: Any, python_type: Any, expected: Any = None) -> None:
        """Refuses an untyped tuple, and ``None`` where the type does not admit it."""
        views.to_literal_checks(python_val, python_type, expected)

    @classmethod
    def unwrap_offloaded_literal(cls, lv: Any) -> Any:
        """The literal behind an offload reference, fetched from the blob store; others unchanged."""
        return views.unwrap_offloaded_literal(lv)

    @classmethod
    def to_html(cls, python_val: Any, expected_python_type: Any) -> str:
        """HTML for a report: a renderer in ``Annotated`` metadata (anything with ``to_html``)
        wins, else the transformer's :meth:`TypeTransformer.to_html`."""
        if typing.get_origin(expected_python_type) is typing.Annotated:
            for meta in typing.get_args(expected_python_type)[1:]:
                render = getattr(meta, "to_html", None)
                if callable(render) and not isinstance(meta, TypeTransformer):
                    return str(render(python_val))
        return cls.get_transformer(expected_python_type).to_html(python_val, expected_python_type)

    @classmethod
    def get_available_transformers(cls) -> KeysView[Any]:
        """The types with a transformer of their own: the built-in ones and those registered."""
        builtin = [*_SCALARS, type(None), list, dict, set, frozenset, tuple, typing.Union, typing.Literal]
        return dict.fromkeys([*builtin, enum.Enum, FlytePickle, *cls._registry]).keys()

    @classmethod
    def register_additional_type(
        cls, transformer: TypeTransformer[Any], additional_type: Any, override: bool = False
    ) -> None:
        """Makes ``transformer`` handle ``additional_type`` too, unless another already does
        (``override=True`` replaces it)."""
        with cls._lock:
            if additional_type not in cls._registry or override:
                cls._registry[additional_type] = transformer
                cls._cache.clear()

    @classmethod
    def register_restricted_type(cls, name: str, type: Any) -> None:
        """Forbids ``type`` as a task input or output: converting one raises
        :class:`~flyte.errors.RestrictedTypeError` naming ``name``."""
        cls.register(RestrictedTypeTransformer(name, type))

    @classmethod
    def lazy_import_transformers(cls) -> None:
        """Registers now the transformers of libraries already imported (pandas, pyarrow,
        polars...) and of installed type plugins, which otherwise load on first lookup."""
        from flyte._plugins import load_type_plugins

        with cls._lock:
            for library in [lib for lib in cls._lazy_providers if lib in sys.modules]:
                provider = cls._lazy_providers.pop(library)
                try:
                    provider()
                except BaseException:
                    cls._lazy_providers[library] = provider
                    raise
        load_type_plugins()

    @classmethod
    def _registered(cls, tp: Any, origin: Any) -> TypeTransformer[Any] | None:
        registry = cls._registry
        if not registry:
            return None
        found = registry.get(tp)
        if found is None and origin is not None:
            found = registry.get(origin)
        if found is None and isinstance(tp, type):
            found = next((registry[b] for b in tp.__mro__[1:-1] if b in registry), None)
        return found

    @classmethod
    def _build(cls, tp: Any) -> TypeTransformer[Any]:
        if tp is None or tp is type(None):
            return NoneTransformer()
        origin = typing.get_origin(tp)
        if cls._lazy_providers:
            cls._load_providers(origin if origin is not None else tp)
        registered = cls._registered(tp, origin)
        if registered is not None:
            return registered
        if tp in _ANY_TYPES or isinstance(tp, (typing.TypeVar, typing.ForwardRef, str)):
            return AnyTransformer()
        if isinstance(tp, typing.NewType):
            return cls.get_transformer(tp.__supertype__)
        if type(tp).__name__ == "TypeAliasType":  # `type X = ...` (Python 3.12+)
            return cls.get_transformer(tp.__value__)
        if origin is not None:
            return cls._build_alias(tp, origin, typing.get_args(tp))
        return cls._build_class(tp)

    @classmethod
    def _load_providers(cls, owner: Any) -> None:
        if not isinstance(owner, type):
            return
        for klass in owner.__mro__[:-1]:  # a subclass of a frame type is served by its transformer
            library = (getattr(klass, "__module__", None) or "").partition(".")[0]
            provider = cls._lazy_providers.pop(library, None)
            if provider is None:
                continue
            try:
                provider()
            except BaseException:
                cls._lazy_providers[library] = provider  # failed: try again on the next lookup
                raise

    @classmethod
    def _build_alias(cls, tp: Any, origin: Any, args: tuple[Any, ...]) -> TypeTransformer[Any]:
        get = cls.get_transformer
        if origin is typing.Union or origin is types.UnionType:
            return UnionTransformer(tp, [get(a) for a in args])
        if origin is typing.Literal:
            kinds = list(dict.fromkeys(type(a) for a in args))
            loose = UnionTransformer(typing.Union[tuple(kinds)], [get(k) for k in kinds]) if len(kinds) > 1 else None
            return LiteralTransformer(tp, loose)
        if origin in _SEQUENCES:
            return ListTransformer(tp, get(args[0] if args else Any), _SEQUENCES[origin])
        if origin in _MAPPINGS:
            key, value = args if len(args) == 2 else (Any, Any)
            return DictTransformer(tp, get(key), get(value))
        if origin in _SETS:
            return SetTransformer(tp, get(args[0] if args else Any), frozen=origin is frozenset)
        if origin is tuple:
            if tp is typing.Tuple:  # the bare typing alias, without arguments
                return TupleTransformer(tp, [get(Any)], variadic=True)
            if args == ((),):  # Python 3.10 spells the empty tuple[()] this way
                args = ()
            if len(args) == 2 and args[1] is Ellipsis:
                return TupleTransformer(tp, [get(args[0])], variadic=True)
            return TupleTransformer(tp, [get(a) for a in args], variadic=False)
        if isinstance(origin, type) and dataclasses.is_dataclass(origin):  # a generic dataclass: Box[int]
            return DataclassTransformer(origin, get)
        return PickleTransformer(tp)

    @classmethod
    def _build_class(cls, tp: Any) -> TypeTransformer[Any]:
        scalar = _SCALARS.get(tp)
        if scalar is not None:
            return scalar()
        if tp in _SEQUENCES:
            return ListTransformer(tp, AnyTransformer(), _SEQUENCES[tp])
        if tp in _MAPPINGS:
            return DictTransformer(tp, AnyTransformer(), AnyTransformer())
        if tp in _SETS:
            return SetTransformer(tp, AnyTransformer(), frozen=tp is frozenset)
        if tp is tuple:
            return TupleTransformer(tp, [AnyTransformer()], variadic=True)
        if isinstance(tp, type):
            if is_flyte_pickle(tp):
                return FlytePickleTransformer(tp)
            if issubclass(tp, enum.Enum):
                return EnumTransformer(tp)
            if dataclasses.is_dataclass(tp):
                return DataclassTransformer(tp, cls.get_transformer)
            if is_pydantic_model(tp):
                return PydanticTransformer(tp)
            if is_typeddict(tp):
                return TypedDictTransformer(tp, cls.get_transformer)
            if is_namedtuple(tp):
                return NamedTupleTransformer(tp, cls.get_transformer)
            if is_protobuf_message(tp):
                return ProtobufTransformer(tp)
            plugged = cls._from_type_plugins(tp)
            if plugged is not None:
                return plugged
        return PickleTransformer(tp)

    @classmethod
    def _from_type_plugins(cls, tp: type) -> TypeTransformer[Any] | None:
        """The transformer an installed type plugin registers for ``tp``, if any: plugins load
        on the first type nothing else handles, so that they cost nothing until needed."""
        from flyte._plugins import load_type_plugins

        load_type_plugins()
        return cls._registered(tp, None)
