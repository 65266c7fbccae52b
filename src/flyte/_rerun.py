"""``flyte.rerun``: a prior run of a server started again, with its code and (by default) its inputs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flyte._internal.model.naming import ROOT_ACTION
from flyte._syncify import syncify
from flyte.errors import InitializationError, RuntimeUserError

if TYPE_CHECKING:
    from flyte._internal.client import ApiClient
    from flyte.remote._run import Run


@syncify
async def rerun(
    run_name: str,
    action_name: str = ROOT_ACTION,
    recover: bool = False,
    force_rerun_actions: Sequence[str] | None = None,
    allow_missing_source_outputs: bool = False,
    **inputs: Any,
) -> Run:
    """Starts a new run on the server with the code and inputs of the run ``run_name``.

    ``rerun("r1")`` runs the prior run's root task again with its exact inputs, code bundle and
    options. ``rerun("r1", recover=True)`` does the same but reuses the prior run's actions that
    succeeded with the same inputs: they are created RECOVERED with their outputs and do not
    run; only what failed or never ran is executed. ``await flyte.rerun.aio(...)`` in async code.

    Reruns need a server (``flyte.init(endpoint=...)``): a local run's code is whatever the
    local files hold now, so there is nothing to replay faithfully.

    Args:
        run_name: the prior run.
        action_name: the action whose task and inputs the new run starts from (the root, ``a0``,
            by default: the whole run); a child cannot be combined with ``recover``.
        recover: reuse the prior run's succeeded actions.
        force_rerun_actions: with ``recover``, actions to run again even though they succeeded.
        allow_missing_source_outputs: accepted for compatibility: the server copies the prior
            inputs itself and never needs the prior outputs to start a rerun.
        inputs: new values for some of the task's inputs; the others keep the prior values.

    Returns:
        The new run (a :class:`flyte.remote.Run`).

    Raises:
        InitializationError: no server is configured.
        RunNotFoundError: there is no such run (or action).
        RuntimeUserError: an input name the task does not have, or a refused combination.
    """
    from flyte._initialize import get_init_state
    from flyte._internal import wire
    from flyte._internal.client import client_for
    from flyte.remote._run import Run

    del allow_missing_source_outputs
    endpoint = get_init_state().endpoint
    if not endpoint:
        raise InitializationError(
            "NoEndpoint",
            "user",
            "flyte.rerun re-runs runs of a server: call flyte.init(endpoint=...) or set admin.endpoint in the config",
        )
    client = client_for(endpoint)
    new_inputs = await asyncio.to_thread(_changed_inputs, client, run_name, action_name, inputs) if inputs else None
    request = wire.RerunRequest(
        recover=recover,
        action_name=action_name,
        force_rerun_actions=list(force_rerun_actions or ()),
        inputs=new_inputs,
    )
    info = await asyncio.to_thread(client.rerun, run_name, request)
    return Run(info, client)


def _changed_inputs(client: ApiClient, run_name: str, action_name: str, changes: dict[str, Any]) -> bytes:
    """The prior action's encoded inputs with ``changes`` applied (each encoded by its value's type)."""
    from flyte._internal.model.offload import from_stored
    from flyte._internal.serde import TypeEngine, pack, unpack

    stored = client.get_action(run_name, action_name).inputs
    literals: dict[str, Any] = dict(unpack(from_stored(stored))) if stored else {}
    unknown = sorted(set(changes) - set(literals))
    if unknown:
        known = ", ".join(sorted(literals)) or "none"
        raise RuntimeUserError(
            "UnknownInput", f"run {run_name} action {action_name} has no input {', '.join(unknown)} (it has: {known})"
        )
    for name, value in changes.items():
        literals[name] = TypeEngine.to_literal(value, type(value))
    return pack(literals)
