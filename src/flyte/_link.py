"""Links shown next to an action in the UI, such as a dashboard or an experiment tracker."""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["Link"]


class Link(Protocol):
    """Anything with a ``name``, an optional ``icon_uri`` and a :meth:`get_link` method.

    Subclass it (often as a dataclass) to add a link to a task's actions: the UI shows ``name``
    with the icon and points at the URL :meth:`get_link` returns for that action.
    """

    name: str
    icon_uri: str = ""

    def get_link(
        self,
        run_name: str,
        project: str,
        domain: str,
        context: dict[str, str],
        parent_action_name: str,
        action_name: str,
        pod_name: str,
        **kwargs: Any,
    ) -> str:
        """The URL for one action, given where it ran; ``context`` holds the run's custom context."""
        ...
