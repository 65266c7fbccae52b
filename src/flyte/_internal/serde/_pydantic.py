"""The transformer of pydantic models, found only when the user's code imported pydantic."""

from __future__ import annotations

import enum
import sys
import types
import typing
from typing import Any

from ._base import TypeTransformer, TypeTransformerFailedError, mismatch, refuse_pickled, type_text
from ._codec import hash_bytes


def is_pydantic_model(tp: Any) -> bool:
    """Whether ``tp`` is a pydantic ``BaseModel`` class.

    pydantic is looked up in ``sys.modules`` rather than imported: a model class can only exist
    once user code has imported pydantic, and importing it here would make every program pay
    for it.
    """
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not isinstance(tp, type):
        return False
    return issubclass(tp, pydantic.BaseModel)


class PydanticTransformer(TypeTransformer[Any]):
    """A pydantic model: its JSON-mode dump as a map, rebuilt by the model's JSON validation.

    Going through the model's own serialisation keeps aliases, discriminated unions, custom
    serialisers and validators working as the model's author intended.
    """

    def __init__(self, model: type) -> None:
        super().__init__(type_text(model), model)
        self._schema: str | None = None

    def to_literal(self, value: Any) -> Any:
        """``value.model_dump(mode="json", by_alias=True, round_trip=True)``; a dict is validated
        into the model first, so ``{"query": "q"}`` stands for ``Query(query="q")``."""
        if isinstance(value, dict):
            value = self._validated(value)
        if not isinstance(value, self.python_type):
            raise mismatch(self.name, value)
        return value.model_dump(mode="json", by_alias=True, round_trip=True)

    def _validated(self, value: dict[str, Any]) -> Any:
        from pydantic import ValidationError

        try:
            return self.python_type.model_validate(value)
        except ValidationError as e:
            raise TypeTransformerFailedError(f"{self.name}: {e.error_count()} invalid field(s): {e}") from None

    def to_python_value(self, literal: Any) -> Any:
        """The model, validated from the JSON text of the literal."""
        refuse_pickled(self.name, literal)
        import json  # here, like pydantic itself: only programs with models need it

        from pydantic import ValidationError

        # JSON validation, unlike Python-object validation, accepts what JSON-mode dumped
        # (ISO dates as text, for instance) even from models configured as strict.
        try:
            return self.python_type.model_validate_json(json.dumps(literal))
        except ValidationError:
            # pydantic's JSON mode cannot read back an Enum member inside Literal[...], which it
            # dumps as the member's value: put the members back and validate the Python objects.
            revived = revive_literal_members(literal, self.python_type)
            if revived is literal:
                raise
            return self.python_type.model_validate(revived)

    def schema(self) -> str:
        """``pydantic:<name>:<hash of the model's JSON schema>``."""
        if self._schema is None:
            import json

            try:
                doc = self.python_type.model_json_schema()
                digest = hash_bytes(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode())
            except Exception:  # a field of an arbitrary type has no JSON schema
                fields = getattr(self.python_type, "model_fields", {})
                digest = ",".join(f"{n}:{type_text(f.annotation)}" for n, f in fields.items())
            self._schema = f"pydantic:{self.name}:{digest}"
        return self._schema


def revive_literal_members(value: Any, tp: Any) -> Any:
    """``value`` (JSON-mode data of type ``tp``) with Enum members of ``Literal`` types put back
    in place of their values; ``value`` itself when nothing changed."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return revive_literal_members(value, args[0])
    if origin is typing.Literal:
        if value in [a for a in args if not isinstance(a, enum.Enum)]:
            return value
        return next((a for a in args if isinstance(a, enum.Enum) and a.value == value), value)
    if origin is typing.Union or origin is types.UnionType:
        for arg in args:
            revived = revive_literal_members(value, arg)
            if revived is not value:
                return revived
        return value
    if isinstance(value, list) and args:
        fixed = origin is tuple and args[-1] is not Ellipsis and len(args) == len(value)
        item_types = args if fixed else (args[0],) * len(value)
        items = [revive_literal_members(v, a) for v, a in zip(value, item_types, strict=True)]
        return items if any(i is not v for i, v in zip(items, value, strict=True)) else value
    if isinstance(value, dict) and origin is not None and len(args) == 2:
        revived_map = {k: revive_literal_members(v, args[1]) for k, v in value.items()}
        return revived_map if any(revived_map[k] is not v for k, v in value.items()) else value
    fields = getattr(tp, "model_fields", None) if isinstance(tp, type) and isinstance(value, dict) else None
    if not fields:
        return value
    out = dict(value)
    for name, info in fields.items():
        key = info.serialization_alias or info.alias or name
        if key in out:
            out[key] = revive_literal_members(out[key], info.annotation)
    return out if any(out[k] is not value[k] for k in value) else value
