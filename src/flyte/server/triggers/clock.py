"""The trigger clock: fires the due slots of active triggers, each at most once.

Every tick it looks at each active trigger's latest slot up to now. A slot that is newer than
the trigger's last fired slot (and than its activation) is due: the clock claims it by inserting
the fired-slot row, and only the server whose insert succeeded creates the run, under a name
made from the trigger and the slot. So a restart inside a slot, or two servers on one database,
never fire a slot twice. Only the latest slot is ever due: slots missed while the server was
down are not fired as a backlog; the latest of them fires once when the server comes back
(``fire_latest``, the default) or, with ``skip``, not at all.

A trigger that cannot be handled (its task gone, a bad schedule or inputs) is logged and
skipped; it never stops the clock. A slot claimed by a server that stopped before creating its
run gets its run when the clock starts again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from flyte.server.repo import triggers as trigger_repo
from flyte.server.triggers.slots import Schedule

if TYPE_CHECKING:
    from flyte.server.app import ServerState

__all__ = ["TriggerClock", "run_name_for", "schedule_of"]

logger = logging.getLogger("flyte.server")

_TICK_S = 0.5
_SKIP_GRACE_S = 10.0
# Claimed slots older than this are not revisited for a missing run when the clock starts.
_RECOVER_WINDOW_S = 24 * 3600.0


def schedule_of(row: Any) -> Schedule:
    """The schedule of a ``triggers`` row."""
    if row.kind == "cron":
        return Schedule(cron=row.cron, timezone=row.timezone)
    return Schedule(interval_s=row.interval_s, start=row.start_time or 0.0)


def run_name_for(row: Any, slot: float) -> str:
    """The run a trigger starts for ``slot``: its name, a digest of its identity, the slot in ms."""
    slug = re.sub(r"[^a-z0-9]+", "-", row.name.lower()).strip("-")[:30] or "trigger"
    identity = f"{row.project}/{row.domain}/{row.task_name}/{row.name}".encode()
    return f"{slug}-{hashlib.sha256(identity).hexdigest()[:6]}-{round(slot * 1000)}"


def due_slot(row: Any, now: float, last: float | None) -> float | None:
    """The slot the trigger fires now, if any (see the module docstring)."""
    slot = schedule_of(row).latest(now)
    if slot is None or slot <= row.active_since or (last is not None and slot <= last):
        return None
    if row.missed == "skip":
        grace = _SKIP_GRACE_S if row.interval_s is None else min(_SKIP_GRACE_S, row.interval_s / 2)
        if now - slot > grace:
            return None
    return slot


class TriggerClock:
    """See the module docstring; :meth:`run` ticks until :meth:`stop`."""

    def __init__(self, server: ServerState, tick_s: float = _TICK_S) -> None:
        self._server = server
        self._tick_s = tick_s
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Creates the runs of slots claimed but not started, then ticks until :meth:`stop`."""
        try:
            await run_in_threadpool(self.recover)
        except Exception:
            logger.exception("Could not recover the runs of fired trigger slots")
        while not self._stopping.is_set():
            try:
                await run_in_threadpool(self.tick, time.time())
            except Exception:
                logger.exception("Trigger clock tick failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._tick_s)

    def stop(self) -> None:
        """Ends :meth:`run` after the current tick."""
        self._stopping.set()

    def tick(self, now: float) -> list[str]:
        """Fires every due slot; returns the names of the runs created."""
        engine = self._server.engine
        rows = trigger_repo.active_triggers(engine)
        last = trigger_repo.last_fired(engine, [row.id for row in rows])
        started = []
        for row in rows:
            try:
                slot = due_slot(row, now, last.get(row.id))
                if slot is None:
                    continue
                run_name = run_name_for(row, slot)
                if trigger_repo.claim_slot(engine, row.id, slot, run_name) and self._start(row, slot, run_name):
                    started.append(run_name)
            except Exception:
                logger.exception("Trigger %s of task %s failed; skipping it this time", row.name, row.task_name)
        return started

    def recover(self) -> None:
        """Starts the runs of slots claimed before a stop that came before their run was created."""
        for row in trigger_repo.slots_without_run(self._server.engine, time.time() - _RECOVER_WINDOW_S):
            try:
                self._start(row, row.slot, row.run_name)
            except Exception:
                logger.exception("Could not start the run of trigger %s for slot %s", row.name, row.slot)

    def _start(self, row: Any, slot: float, run_name: str) -> bool:
        """Creates the run of a claimed slot; False (logged) when the trigger's task cannot run."""
        from flyte._internal import wire
        from flyte._internal.deployed import pack_inputs, run_request, unpack_inputs
        from flyte._internal.serde import TypeEngine
        from flyte.errors import BaseRuntimeError
        from flyte.server.payloads import stored_payload
        from flyte.server.repo import runs as run_repo
        from flyte.server.repo import tasks as task_repo

        server = self._server
        version = None if row.task_version == trigger_repo.LATEST else row.task_version
        task_row = task_repo.get_task(server.engine, row.project, row.domain, row.task_name, version)
        if task_row is None:
            logger.warning(
                "Trigger %s: task %s (version %s) is not deployed", row.name, row.task_name, row.task_version
            )
            return False
        task = task_repo.task_info(task_row)
        spec = wire.TriggerSpec.model_validate_json(row.spec)
        literals = unpack_inputs(bytes(row.inputs))
        if row.kickoff_input:
            kickoff = datetime.fromtimestamp(slot, tz=timezone.utc)
            literals[row.kickoff_input] = TypeEngine.to_literal(kickoff, datetime)
        try:
            packed = pack_inputs(task, literals)
        except BaseRuntimeError as e:
            logger.warning("Trigger %s of task %s: %s", row.name, row.task_name, e)
            return False
        raw_data_path = run_repo.raw_data_path(server.settings.store_prefix, run_name)
        request = run_request(
            task,
            packed,
            name=run_name,
            stored_inputs=stored_payload(packed, raw_data_path, task.task.name, "inputs"),
            env_vars=spec.env_vars,
            overwrite_cache=spec.overwrite_cache,
            max_action_concurrency=spec.max_action_concurrency,
            custom_context={
                **spec.custom_context,
                "trigger": row.name,
                "trigger_slot": datetime.fromtimestamp(slot, timezone.utc).isoformat(),
            },
        )
        try:
            run_repo.create_run(server.engine, request, server.settings.store_prefix)
        except run_repo.RunExistsError:
            return False
        logger.info("Trigger %s of task %s fired: run %s", row.name, row.task_name, run_name)
        server.notifier.wake_scheduler()
        return True
