"""Protocol Buffers messages: stored as their serialized bytes.

Detected by class ancestry without importing protobuf, so only programs that use messages load it.
"""

from __future__ import annotations

from typing import Any

from ._base import TypeTransformer, TypeTransformerFailedError, mismatch, refuse_pickled, type_text


def is_protobuf_message(tp: Any) -> bool:
    """Whether ``tp`` is a generated protobuf message class (a ``google.protobuf`` Message)."""
    if not isinstance(tp, type):
        return False
    return any(k.__name__ == "Message" and k.__module__ == "google.protobuf.message" for k in tp.__mro__[1:])


class ProtobufTransformer(TypeTransformer[Any]):
    """A protobuf message class: the literal is the message's deterministic wire bytes."""

    def __init__(self, message_type: type) -> None:
        super().__init__(type_text(message_type), message_type)

    def to_literal(self, value: Any) -> Any:
        """The message serialized with deterministic field order."""
        if not isinstance(value, self.python_type):
            raise mismatch(self.name, value)
        return value.SerializeToString(deterministic=True)

    def to_python_value(self, literal: Any) -> Any:
        """The message parsed from its bytes."""
        refuse_pickled(self.name, literal)
        if not isinstance(literal, bytes):
            raise TypeTransformerFailedError(
                f"expected the bytes of a {self.name} message, got {type(literal).__name__}"
            )
        return self.python_type.FromString(literal)

    def schema(self) -> str:
        """``protobuf:<full message name>``."""
        descriptor = getattr(self.python_type, "DESCRIPTOR", None)
        full = getattr(descriptor, "full_name", None) or self.name
        return f"protobuf:{full}"
