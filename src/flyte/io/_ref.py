"""What File and Dir share: a reference to stored data by path, with a name, format and hash.

A reference is a plain object, not a pydantic model: building one costs a few attribute
stores, ``import flyte.io`` does not load pydantic, and models that do use pydantic still
accept File and Dir fields through :meth:`_Ref.__get_pydantic_core_schema__`.
"""

from __future__ import annotations

import os
import posixpath
import threading
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, ClassVar, TypeVar

from flyte.io._model_api import Field, ModelAPI

R = TypeVar("R", bound="_Ref")

#: What a lazy uploader is: called when the reference is first turned into a literal, it stores
#: the data and returns ``(hash or None, uri)`` for the literal.
LazyUploader = Callable[[], Coroutine[Any, Any, tuple[str | None, str]]]

#: The keys of a reference's literal, the form it travels in between tasks.
LITERAL_KEYS = ("path", "name", "format", "hash")


def basename(path: str) -> str:
    """The last segment of a path or URI, ignoring a trailing separator."""
    return posixpath.basename(path.replace("\\", "/").rstrip("/"))


class _Ref(ModelAPI):
    """A reference to a stored file or folder. Subclasses: :class:`~flyte.io.File`, :class:`~flyte.io.Dir`."""

    __slots__ = ("_lazy_uploader", "format", "hash", "name", "path")

    model_field_table = (
        Field("path", "string", nullable=False, required=True),
        Field("name", "string"),
        Field("format", "string", nullable=False, default=""),
        Field("hash", "string"),
    )

    #: The format a typed subclass (``File["csv"]``) requires; empty for the plain class.
    required_format: ClassVar[str] = ""
    #: The plain class typed subclasses derive from (File for ``File["csv"]``).
    base_kind: ClassVar[type[_Ref]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "required_format" not in cls.__dict__ and "base_kind" not in cls.__dict__:
            cls.base_kind = cls

    def __init__(
        self,
        path: str | os.PathLike[str],
        name: str | None = None,
        format: str | None = None,
        hash: str | None = None,
    ) -> None:
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        if not isinstance(path, str) or not path:
            raise TypeError(f"{type(self).__name__} needs a path (str or os.PathLike), got {path!r}")
        required = self.required_format
        if format is None or format == "":
            format = required
        elif required and format != required:
            raise ValueError(f"{type(self).__name__}: '{path}' has format '{format}', expected '{required}'")
        #: Where the data is: an absolute local path, or a store URI (``s3://bucket/key``).
        self.path: str = path
        #: The file or folder name (the last segment of the path unless given).
        self.name: str = name or basename(path)
        #: A free-form format label, such as ``"csv"``; empty when unknown.
        self.format: str = format
        #: A content hash identifying the data in cache keys instead of its path, if known.
        self.hash: str | None = hash
        self._lazy_uploader: LazyUploader | None = None

    def __class_getitem__(cls: type[R], item: Any) -> type[R]:
        """``File["csv"]``: the type of references of that format. Other parameters (a
        ``TypeVar``, a class such as ``pd.DataFrame``) are accepted and add no format."""
        if isinstance(item, str) and item:
            return _typed(cls.base_kind, item)  # type: ignore[return-value]
        return cls

    # -- the literal: how a reference travels between tasks ---------------------------------------

    def to_literal(self) -> dict[str, Any]:
        """``{"path", "name", "format", "hash"}``: small and msgpack-able."""
        return {"path": self.path, "name": self.name, "format": self.format, "hash": self.hash}

    @classmethod
    def from_literal(cls: type[R], literal: Mapping[str, Any]) -> R:
        """The reference a literal made by :meth:`to_literal` describes, of this class's format."""
        try:
            path = literal["path"]
        except (KeyError, TypeError):
            raise TypeError(f"{cls.__name__}: expected a mapping with a 'path', got {literal!r}") from None
        fmt = literal.get("format") or ""
        if cls.required_format and fmt not in ("", cls.required_format):
            raise TypeError(f"{cls.__name__}: '{path}' has format '{fmt}', expected '{cls.required_format}'")
        return cls(path, name=literal.get("name"), format=fmt or None, hash=literal.get("hash"))

    def coerce(self, cls: type[R]) -> R:
        """This reference as one of type ``cls``; TypeError naming the path when the formats differ."""
        if type(self) is cls:
            return self
        if not isinstance(self, cls.base_kind):
            raise TypeError(f"expected {cls.__name__}, got {type(self).__name__} '{self.path}'")
        return cls.from_literal(self.to_literal())

    # -- the pydantic model API (see flyte.io._model_api) ---------------------------------------------

    @classmethod
    def pre_init(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Fills a missing ``name`` of field data from its ``path`` (the Flyte SDK's validator); returns it."""
        if data.get("name") is None and isinstance(data.get("path"), str):
            data["name"] = basename(data["path"])
        return data

    def _model_dict(self) -> dict[str, Any]:
        return self.to_literal()

    @classmethod
    def _from_model_dict(cls: type[R], data: Mapping[str, Any]) -> R:
        try:
            return cls.from_literal(cls.pre_init(dict(data)))
        except TypeError as e:
            raise ValueError(str(e)) from None

    @classmethod
    def _model_convert(cls: type[R], obj: Any) -> R | None:
        if not isinstance(obj, _Ref):
            return None
        try:
            return obj.coerce(cls)
        except TypeError as e:
            raise ValueError(str(e)) from None

    @property
    def lazy_uploader(self) -> LazyUploader | None:
        """A coroutine function storing the data when the reference is first passed to a task.

        It returns ``(hash or None, uri)``, which replace the reference's own in its literal.
        :meth:`File.from_local <flyte.io.File.from_local>` outside a task sets one: the file is
        then uploaded only if the run it is passed to keeps its data in an object store.
        """
        return self._lazy_uploader

    @lazy_uploader.setter
    def lazy_uploader(self, uploader: LazyUploader | None) -> None:
        self._lazy_uploader = uploader

    # -- value semantics ----------------------------------------------------------------------------

    def _key(self) -> tuple[Any, ...]:
        return (self.base_kind, self.path, self.name, self.format, self.hash)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Ref) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        extra = "".join(f", {k}={getattr(self, k)!r}" for k in ("format", "hash") if getattr(self, k))
        return f"{type(self).__name__}(path={self.path!r}, name={self.name!r}{extra})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Typed subclasses are made on demand, so pickle rebuilds them by (kind, format).
        return (_rebuild, (self.base_kind, self.required_format, self.to_literal()))

    # -- pydantic -----------------------------------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Lets pydantic models have File and Dir fields: validated from a reference or its
        literal, dumped as the literal. Only called once pydantic is in use."""
        from pydantic_core import core_schema

        text = core_schema.str_schema()
        optional = core_schema.nullable_schema(text)
        literal = core_schema.typed_dict_schema(
            {
                "path": core_schema.typed_dict_field(text),
                "name": core_schema.typed_dict_field(optional, required=False),
                "format": core_schema.typed_dict_field(optional, required=False),
                "hash": core_schema.typed_dict_field(optional, required=False),
            }
        )
        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_after_validator_function(cls._validate, literal),
            python_schema=core_schema.no_info_plain_validator_function(cls._validate),
            serialization=core_schema.plain_serializer_function_ser_schema(lambda ref: ref.to_literal()),
        )

    @classmethod
    def _validate(cls: type[R], value: Any) -> R:
        # pydantic reports ValueError as a validation error but lets TypeError escape.
        try:
            if isinstance(value, _Ref):
                return value.coerce(cls)
            if isinstance(value, Mapping):
                return cls.from_literal(value)
        except TypeError as e:
            raise ValueError(str(e)) from None
        raise ValueError(f"expected {cls.__name__} or its literal, got {type(value).__name__}")


_typed_lock = threading.Lock()
_typed_classes: dict[tuple[str, str], type[_Ref]] = {}


def _typed(kind: type[_Ref], fmt: str) -> type[_Ref]:
    """The subclass of ``kind`` for format ``fmt``, made once and registered with the type engine."""
    key = (kind.__qualname__, fmt)
    with _typed_lock:
        sub = _typed_classes.get(key)
        if sub is None:
            name = f"{kind.__name__}[{fmt}]"
            namespace = {"__slots__": (), "required_format": fmt, "__module__": kind.__module__}
            sub = _typed_classes[key] = type(name, (kind,), namespace)
            sub.__qualname__ = name
            from flyte.io._serde import register

            register(sub)
    return sub


def _rebuild(kind: type[_Ref], fmt: str, literal: dict[str, Any]) -> _Ref:
    cls = _typed(kind, fmt) if fmt else kind
    return cls.from_literal(literal)
