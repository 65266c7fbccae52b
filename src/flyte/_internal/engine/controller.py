"""The seam between task calls and whatever executes them.

A task called inside a run asks its run's controller to turn the call into an action: the local
controller runs it in this process; a remote controller (in a server's worker) asks the server.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from flyte._condition import _Condition
    from flyte._context import ActionContext
    from flyte._task import AsyncFunctionTaskTemplate


class Controller(Protocol):
    """Executes child calls of the actions of one run."""

    def submit(
        self,
        task: AsyncFunctionTaskTemplate[Any, Any, Any],
        parent: ActionContext,
        seq: int,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Coroutine[Any, Any, Any]:
        """A child call made from async code on the run's event loop; ``seq`` numbers the call."""
        ...

    def call_from_thread(
        self,
        task: AsyncFunctionTaskTemplate[Any, Any, Any],
        parent: ActionContext,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """A child call made from a sync task's thread; blocks until the child ends."""
        ...

    def register_condition(self, condition: _Condition[Any], parent: ActionContext) -> Coroutine[Any, Any, None]:
        """Creates a condition of ``parent`` (see :mod:`flyte._condition`), naming its action."""
        ...

    def wait_for_condition(self, condition: _Condition[Any], parent: ActionContext) -> Coroutine[Any, Any, Any]:
        """The condition's value once it is given; raises ``ConditionTimedoutError`` at its timeout."""
        ...
