"""Reruns in the database: a new run from a prior one, and the actions it recovers from it.

A rerun records its source in its run's options (``rerun_of``, ``recover``, ``force_rerun``).
When a recovering run's parent creates a child, the child of the same name in the source run is
looked up: if it succeeded (or was itself recovered) with the same inputs, the new child is
created RECOVERED with its outputs instead of being queued.
"""

from __future__ import annotations

import json
from typing import Any

import msgpack
from sqlalchemy import Connection, Engine, and_, select

from flyte._internal import wire
from flyte._internal.model.naming import ROOT_ACTION
from flyte._internal.serde import unpack
from flyte.server.db.schema import actions, runs

_RECOVERABLE = ("SUCCEEDED", "RECOVERED")


class RerunError(Exception):
    """A rerun that cannot be made; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def rerun_origin(options: dict[str, Any]) -> dict[str, Any]:
    """The ``RunInfo`` fields that say where a run came from (none for a first run)."""
    source = options.get("rerun_of")
    return {"rerun_of": source, "recover": bool(options.get("recover"))} if source else {}


def rerun_request(engine: Engine, source: str, request: wire.RerunRequest) -> wire.CreateRunRequest:
    """The request that starts ``source`` again as ``request`` asks.

    Raises:
        RerunError: no such run or action (404), recovery asked of a child action (400) or of a
            run still going (409).
    """
    with engine.connect() as conn:
        run = conn.execute(select(runs).where(runs.c.name == source)).one_or_none()
        if run is None:
            raise RerunError(404, f"No run named '{source}'")
        action = conn.execute(
            select(actions).where(and_(actions.c.run_name == source, actions.c.name == request.action_name))
        ).one_or_none()
    if action is None or action.kind != "task":
        raise RerunError(404, f"No task action '{request.action_name}' in run '{source}'")
    if request.recover and request.action_name != ROOT_ACTION:
        raise RerunError(400, "recover reruns a whole run: it cannot be combined with action_name")
    if request.recover and run.phase not in wire.TERMINAL_PHASES:
        raise RerunError(409, f"Run '{source}' is still {run.phase}: recover from it once it has ended")
    options = json.loads(run.options)
    return wire.CreateRunRequest(
        name=request.name,
        project=run.project,
        domain=run.domain,
        task=wire.TaskSpec.model_validate_json(action.task_spec),
        inputs=request.inputs if request.inputs is not None else bytes(action.inputs or b""),
        bundle=run.bundle,
        cache_key=action.cache_key,
        env_vars=options.get("env_vars", {}),
        overwrite_cache=options.get("overwrite_cache", False),
        disable_run_cache=options.get("disable_run_cache", False),
        max_action_concurrency=options.get("max_action_concurrency"),
        custom_context=options.get("custom_context", {}),
        images=options.get("images", {}),
    )


def origin_options(source: str, request: wire.RerunRequest) -> dict[str, Any]:
    """What the new run keeps in its options about its source."""
    return {"rerun_of": source, "recover": request.recover, "force_rerun": sorted(set(request.force_rerun_actions))}


def recovered_outputs(conn: Connection, options: dict[str, Any], item: wire.CreateAction) -> bytes | None:
    """The outputs a recovering run reuses for ``item`` from its source run, or None to run it."""
    source = options.get("rerun_of")
    if not source or not options.get("recover") or item.kind != "task":
        return None
    if item.name in options.get("force_rerun", ()):
        return None
    row = conn.execute(
        select(actions.c.phase, actions.c.inputs, actions.c.outputs, actions.c.kind).where(
            and_(actions.c.run_name == source, actions.c.name == item.name)
        )
    ).one_or_none()
    if row is None or row.phase not in _RECOVERABLE or row.kind != "task" or row.outputs is None:
        return None
    if not _same_payload(bytes(row.inputs or b""), item.inputs):
        return None
    return bytes(row.outputs)


def _same_payload(stored: bytes, given: bytes) -> bool:
    """Whether two stored payloads hold the same bytes (an offloaded one by its content hash)."""
    if stored == given:
        return True
    digest = _content_hash(stored)
    return digest is not None and digest == _content_hash(given)


def _content_hash(stored: bytes) -> str | None:
    # An offloaded payload is a reference whose last path segment is the payload's hash.
    if not stored or stored[0] not in (0xC7, 0xC8, 0xC9) or len(stored) > 4096:
        return None
    value = unpack(stored)
    if isinstance(value, msgpack.ExtType):
        return bytes(value.data).decode(errors="replace").rsplit("/", 1)[-1]
    return None
