"""File and Dir in the type engine: their literal is ``{"path", "name", "format", "hash"}``.

The plain classes are registered when :mod:`flyte.io` is imported; a typed class such as
``File["csv"]`` is registered when it is first made, so its transformer checks the format.
"""

from __future__ import annotations

import inspect
from typing import Any

from flyte._internal.serde import TypeEngine, TypeTransformer, TypeTransformerFailedError
from flyte._internal.serde._base import mismatch
from flyte._internal.serde._cache_form import in_cache_form
from flyte.io._dir import Dir
from flyte.io._file import File
from flyte.io._lazy import resolve_lazy
from flyte.io._ref import _Ref


class RefTransformer(TypeTransformer[_Ref]):
    """The transformer of File, Dir and their typed forms."""

    def __init__(self, ref_type: type[_Ref]) -> None:
        super().__init__(ref_type.__qualname__, ref_type)
        self._type: type[_Ref] = ref_type

    def to_literal(self, value: _Ref) -> Any:
        """The reference's literal; TypeError when it is of another kind or format."""
        if inspect.iscoroutine(value):
            value.close()  # it will never run; closing it silences the "never awaited" warning
            raise TypeTransformerFailedError(
                f"expected {self.name}, got an un-awaited coroutine: in async code, await the call "
                f"(for example `await File.from_local(...)`)"
            )
        if not isinstance(value, _Ref):
            raise mismatch(self.name, value)
        try:
            literal = value.coerce(self._type).to_literal()
        except (TypeError, ValueError) as e:
            raise TypeTransformerFailedError(str(e)) from None
        if in_cache_form():
            if literal["hash"] is not None:
                # Same content elsewhere is the same input to the cache: leave the path out.
                return {"hash": literal["hash"], "format": literal["format"]}
            return literal  # a cache key uploads nothing
        return resolve_lazy(value, literal)

    def to_python_value(self, literal: Any) -> _Ref:
        """The reference, as an instance of this transformer's type."""
        return self._type.from_literal(literal)

    def is_exact(self, value: Any) -> bool:
        """Typed forms count as exact for the plain class: ``File["csv"]`` is a File."""
        return isinstance(value, self._type)

    def schema(self) -> str:
        """``File`` or ``File[csv]``: the format is part of the task interface."""
        return f"ref:{self.name}"


def register(ref_type: type[_Ref]) -> None:
    """Makes the type engine use a :class:`RefTransformer` for ``ref_type``."""
    TypeEngine.register(RefTransformer(ref_type))


register(File)
register(Dir)
