"""The pydantic model API of File, Dir and DataFrame, without making them pydantic models.

Users of the Flyte SDK call ``File.model_validate(d)``, ``f.model_dump()``,
``f.model_copy(update=...)`` and friends, because there those types are pydantic models. Here
they are plain slotted objects (cheap to build, and ``import flyte.io`` loads no pydantic), and
:class:`ModelAPI` offers the same calls on top of a small per-class field table. Only
:attr:`ModelAPI.model_fields` needs pydantic, and imports it when first read.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

M = TypeVar("M", bound="ModelAPI")
R = TypeVar("R")


@dataclass(frozen=True)
class Field:
    """One dumped field: its name, JSON type, whether it may be null, and its default."""

    name: str
    json_type: str
    nullable: bool = True
    default: Any = None
    required: bool = False


class _ModelFields:
    """The ``model_fields`` class attribute: pydantic ``FieldInfo`` objects, built on first read."""

    def __init__(self) -> None:
        self._built: dict[type[Any], dict[str, Any]] = {}

    def __get__(self, obj: object | None, owner: type[ModelAPI]) -> dict[str, Any]:
        found = self._built.get(owner)
        if found is None:
            from pydantic.fields import FieldInfo

            found = {}
            for f in owner.model_field_table:
                annotation: Any = {"string": str}.get(f.json_type, Any)
                if f.nullable:
                    annotation = annotation | None
                info = (
                    FieldInfo(annotation=annotation)
                    if f.required
                    else FieldInfo(annotation=annotation, default=f.default)
                )
                found[f.name] = info
            self._built[owner] = found
        return found


class _class_or_instance(Generic[R]):
    """A method bound to the instance it is called on, or to the class when called on the class."""

    def __init__(self, func: Callable[[Any], R]) -> None:
        self._func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj: object | None, owner: type[Any]) -> Callable[[], R]:
        return functools.partial(self._func, owner if obj is None else obj)


class _classproperty:
    """A read-only property of the class (and its instances)."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self._func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj: object | None, owner: type[Any]) -> Any:
        return self._func(owner)


class ModelAPI:
    """Mixin: the pydantic v2 model methods, over :meth:`_model_dict` and :meth:`_from_model_dict`."""

    __slots__ = ()

    #: The fields :meth:`model_dump` gives, in order.
    model_field_table: ClassVar[tuple[Field, ...]] = ()
    #: Extra keys of :meth:`model_json_schema` (a description and flyte's type tag).
    model_schema_extra: ClassVar[dict[str, Any]] = {}
    #: The fields as pydantic ``FieldInfo`` objects, by name (imports pydantic when read).
    model_fields: ClassVar[dict[str, Any]] = _ModelFields()  # type: ignore[assignment]
    #: Computed fields: none, as in the Flyte SDK's models.
    model_computed_fields: ClassVar[dict[str, Any]] = {}

    @_classproperty
    def model_config(cls) -> dict[str, Any]:
        """The model configuration the Flyte SDK's models declare."""
        return {"arbitrary_types_allowed": True, "json_schema_extra": dict(cls.model_schema_extra)}

    @property
    def model_extra(self) -> dict[str, Any] | None:
        """Extra fields: never any."""
        return None

    @property
    def model_fields_set(self) -> set[str]:
        """The fields holding other than their default value (required fields always)."""
        data = self._model_dict()
        return {f.name for f in self.model_field_table if f.required or data.get(f.name) != f.default}

    def model_post_init(self, context: Any, /) -> None:
        """Nothing to do after construction (a pydantic hook)."""

    # -- what subclasses provide ----------------------------------------------------------------

    def _model_dict(self) -> dict[str, Any]:
        """The field values, by name."""
        raise NotImplementedError

    @classmethod
    def _from_model_dict(cls: type[M], data: Mapping[str, Any]) -> M:
        """An instance from a mapping of field values; ValueError when it does not describe one."""
        raise NotImplementedError

    # -- the pydantic API -----------------------------------------------------------------------

    @classmethod
    def model_validate(cls: type[M], obj: Any, *, strict: bool | None = None, context: Any = None) -> M:
        """An instance from ``obj``: an instance (returned as this class) or a mapping of its fields.

        ValueError (as pydantic's ValidationError is) when ``obj`` is neither.
        """
        if isinstance(obj, cls):
            return obj
        converted = cls._model_convert(obj)
        if converted is not None:
            return converted
        if isinstance(obj, Mapping):
            return cls._from_model_dict(obj)
        raise ValueError(
            f"{cls.__name__}.model_validate: expected {cls.__name__} or a mapping, got {type(obj).__name__}"
        )

    @classmethod
    def _model_convert(cls: type[M], obj: Any) -> M | None:
        """An instance of this class from a related instance (a File for ``File["csv"]``), or None."""
        return None

    @classmethod
    def model_validate_json(cls: type[M], json_data: str | bytes | bytearray, *, strict: bool | None = None) -> M:
        """An instance from the JSON text of its fields (what :meth:`model_dump_json` gives)."""
        try:
            data = json.loads(json_data)
        except json.JSONDecodeError as e:
            raise ValueError(f"{cls.__name__}.model_validate_json: invalid JSON: {e}") from None
        return cls.model_validate(data)

    @classmethod
    def model_validate_strings(cls: type[M], obj: Any, *, strict: bool | None = None, context: Any = None) -> M:
        """As :meth:`model_validate`: every field is a string already."""
        return cls.model_validate(obj)

    @classmethod
    def model_construct(cls: type[M], _fields_set: set[str] | None = None, **values: Any) -> M:
        """An instance from field values, as :meth:`model_validate` of ``values``."""
        return cls._from_model_dict(values)

    def model_dump(
        self,
        *,
        mode: str = "python",
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        exclude_none: bool = False,
        exclude_defaults: bool = False,
        by_alias: bool | None = None,
        round_trip: bool = False,
        warnings: bool | str = True,
    ) -> dict[str, Any]:
        """The fields as a dict; ``mode`` (``"python"`` or ``"json"``) gives the same plain values."""
        if mode not in ("python", "json"):
            raise ValueError(f"model_dump: mode must be 'python' or 'json', got {mode!r}")
        data = self._model_dict()
        keep = set(include) if include is not None else None
        drop = set(exclude or ())
        defaults = {f.name: f.default for f in self.model_field_table}
        return {
            k: v
            for k, v in data.items()
            if (keep is None or k in keep)
            and k not in drop
            and not (exclude_none and v is None)
            and not (exclude_defaults and k in defaults and v == defaults[k])
        }

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        exclude_none: bool = False,
        exclude_defaults: bool = False,
        by_alias: bool | None = None,
    ) -> str:
        """The fields as JSON text, compact like pydantic's unless ``indent`` is given."""
        data = self.model_dump(
            mode="json", include=include, exclude=exclude, exclude_none=exclude_none, exclude_defaults=exclude_defaults
        )
        separators = (",", ":") if indent is None else None
        return json.dumps(data, indent=indent, separators=separators)

    def model_copy(self: M, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> M:
        """A copy with the fields in ``update`` replaced (as pydantic, they are not validated).

        Unknown field names raise ValueError. ``deep`` is accepted: the fields are immutable.
        """
        clone = type(self).__new__(type(self))
        for slot in _all_slots(type(self)):
            if hasattr(self, slot):
                object.__setattr__(clone, slot, getattr(self, slot))
        names = {f.name for f in self.model_field_table}
        for key, value in (update or {}).items():
            if key not in names:
                raise ValueError(f"{type(self).__name__}.model_copy: unknown field '{key}'; fields: {sorted(names)}")
            setattr(clone, key, value)
        return clone

    @classmethod
    def model_json_schema(cls, by_alias: bool = True, mode: str = "validation") -> dict[str, Any]:
        """The JSON schema of the dumped form, shaped as pydantic writes it for the Flyte SDK's models."""
        properties: dict[str, Any] = {}
        for f in cls.model_field_table:
            title = f.name.capitalize()
            if f.nullable:
                prop: dict[str, Any] = {"anyOf": [{"type": f.json_type}, {"type": "null"}], "title": title}
            else:
                prop = {"title": title, "type": f.json_type}
            if not f.required:
                prop["default"] = f.default
            properties[f.name] = prop
        schema: dict[str, Any] = {"properties": properties}
        required = [f.name for f in cls.model_field_table if f.required]
        if required:
            schema["required"] = required
        schema.update({"title": cls.__name__, "type": "object"})
        schema.update(cls.model_schema_extra)
        return dict(sorted(schema.items()))

    @classmethod
    def schema_match(cls, incoming: Any) -> bool:
        """Whether the JSON schema ``incoming`` describes this type (same title, type and fields)."""
        if not isinstance(incoming, Mapping):
            return False
        mine = cls.model_json_schema()
        return (
            incoming.get("title") == mine["title"]
            and incoming.get("type") == mine["type"]
            and set(incoming.get("required") or ()) == set(mine.get("required") or ())
            and set(mine["properties"]) <= set(incoming.get("properties") or ())
        )


def _all_slots(cls: type[Any]) -> list[str]:
    slots: list[str] = []
    for klass in cls.__mro__:
        declared = klass.__dict__.get("__slots__", ())
        slots.extend([declared] if isinstance(declared, str) else declared)
    return slots
