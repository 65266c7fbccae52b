"""The transformer of Optional and Union types."""

from __future__ import annotations

from typing import Any

from ._base import (
    CONVERSION_ERRORS,
    TypeTransformer,
    TypeTransformerFailedError,
    describe,
    nested_error,
    refuse_pickled,
    type_text,
)


class UnionTransformer(TypeTransformer[Any]):
    """``Union[A, B, ...]`` and ``Optional[A]``: ``[variant index, literal]``.

    The tag says which variant made the literal, so ``Union[int, str]`` gives back ``"1"`` as a
    string. A value goes to the variant it exactly belongs to (``3`` to ``int`` rather than to
    ``float`` in ``Union[float, int]``); failing that, to the first variant that accepts it.
    """

    def __init__(self, python_type: Any, variants: list[TypeTransformer[Any]]) -> None:
        super().__init__(type_text(python_type), python_type)
        self._variants = variants
        self.passthrough = all(v.passthrough for v in variants)

    def to_literal(self, value: Any) -> Any:
        """``[index, literal]`` of the variant that takes ``value``."""
        variants = self._variants
        exact_error: Exception | None = None
        for i, v in enumerate(variants):
            if v.is_exact(value):
                try:
                    return [i, v.to_literal(value)]
                except CONVERSION_ERRORS as e:  # list[int] is exact for a list of str
                    exact_error = exact_error or e
        reasons = []
        for i, v in enumerate(variants):
            try:
                return [i, v.to_literal(value)]
            except CONVERSION_ERRORS as e:
                reasons.append(f"{v.name}: {e}")
        if exact_error is not None:
            # The value is of a variant's type but wrong inside: that variant's error (a bad
            # field, say) says more than the list of every variant refusing it.
            raise nested_error("", exact_error)
        raise TypeTransformerFailedError(
            f"expected {self.name}, got {describe(value)} (no variant accepts it: {'; '.join(reasons)})"
        )

    def to_python_value(self, literal: Any) -> Any:
        """The value rebuilt by the variant named in the tag."""
        # A pickle unpacks as a (code, data) pair, which would pass for a tag and a literal.
        refuse_pickled(self.name, literal)
        index, lit = literal
        return self._variants[index].to_python_value(lit)

    def is_exact(self, value: Any) -> bool:
        """Whether one variant exactly matches ``value`` (a union nested in a union)."""
        return any(v.is_exact(value) for v in self._variants)

    def schema(self) -> str:
        """``union[<a>,<b>]`` in declaration order: the order gives the tags their meaning."""
        return f"union[{','.join(v.schema() for v in self._variants)}]"
