"""The transformer of pydantic models, found only when the user's code imported pydantic."""

from __future__ import annotations

import sys
from typing import Any

from ._base import TypeTransformer, mismatch, refuse_pickled, type_text
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
        """``value.model_dump(mode="json", by_alias=True, round_trip=True)``."""
        if not isinstance(value, self.python_type):
            raise mismatch(self.name, value)
        return value.model_dump(mode="json", by_alias=True, round_trip=True)

    def to_python_value(self, literal: Any) -> Any:
        """The model, validated from the JSON text of the literal."""
        refuse_pickled(self.name, literal)
        import json  # here, like pydantic itself: only programs with models need it

        # JSON validation, unlike Python-object validation, accepts what JSON-mode dumped
        # (ISO dates as text, for instance) even from models configured as strict.
        return self.python_type.model_validate_json(json.dumps(literal))

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
