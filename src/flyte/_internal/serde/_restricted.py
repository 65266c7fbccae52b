"""Types forbidden as task inputs and outputs (see :meth:`TypeEngine.register_restricted_type`)."""

from __future__ import annotations

from typing import Any

from flyte.errors import RestrictedTypeError

from ._base import TypeTransformer, type_text


class RestrictedTypeTransformer(TypeTransformer[Any]):
    """Refuses every value of its type, in both directions, with :class:`RestrictedTypeError`."""

    def _refuse(self) -> RestrictedTypeError:
        return RestrictedTypeError(
            f"{type_text(self.python_type)} ({self.name}) is a restricted type: it cannot be a task input or output"
        )

    def to_literal(self, value: Any) -> Any:
        """Always raises :class:`RestrictedTypeError`."""
        raise self._refuse()

    def to_python_value(self, literal: Any) -> Any:
        """Always raises :class:`RestrictedTypeError`."""
        raise self._refuse()

    def get_literal_type(self, t: Any = None) -> str:
        """Always raises :class:`RestrictedTypeError`: a restricted type has no literal type."""
        raise self._refuse()
