"""Renderable: what can turn a value into HTML for a report."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Renderable(Protocol):
    """Anything with ``to_html(value) -> str``: a renderer of values as HTML.

    Put one in ``Annotated`` metadata (``Annotated[pd.DataFrame, TopRows()]``) and
    :meth:`TypeEngine.to_html` uses it for values of that annotation.
    """

    def to_html(self, python_value: Any) -> str:
        """The HTML of ``python_value``, to be placed inside a report's tab (not a whole page)."""
        ...
