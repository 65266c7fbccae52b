"""The scheduler: dispatches ready actions to the executor and watches the attempts in flight.

Each tick it (1) ends the attempts whose worker exited without reporting, (2) stops attempts
past their timeout and declares lost those whose worker stopped heartbeating, and (3) starts
ready actions while CPU, memory and worker slots allow. An action whose worker only waits on
children holds no slot and no resources, so a parent never starves the children it waits for.

One action can never stop the scheduling of the others: whatever goes wrong while handling an
action (a stored spec that cannot be read, a value out of range) fails that action, with the
reason, and the tick goes on with the rest.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from flyte._internal import wire
from flyte.errors import BaseRuntimeError
from flyte.server.attempt_tokens import new_token
from flyte.server.executors.base import Capacity, Exit, Launch
from flyte.server.repo import actions as action_repo
from flyte.server.repo import attempts as attempt_repo
from flyte.server.repo import runs as run_repo
from flyte.server.secrets.redact import redact_error, redact_lines, redact_text

if TYPE_CHECKING:
    from flyte.server.app import ServerState

logger = logging.getLogger("flyte.server")

# A worker silent for this long is declared lost (FLYTE_SERVER_LOST_AFTER_S changes it).
LOST_AFTER_S = float(os.environ.get("FLYTE_SERVER_LOST_AFTER_S", "20"))
_TICK_S = 0.25


@dataclass
class _InFlight:
    run_name: str
    action_name: str
    attempt: int
    started: float
    timeout: float | None


class Scheduler:
    """See the module docstring."""

    def __init__(self, server: ServerState):
        self._server = server
        self._in_flight: dict[str, _InFlight] = {}
        self._specs: dict[tuple[str, str], wire.TaskSpec] = {}
        self._adopted: dict[str, _InFlight] = {}
        self._limits: dict[str, int | None] = {}
        # Actions that could not even be failed (the database refused): skipped from then on.
        self._poisoned: set[tuple[str, str]] = set()
        self._stopping = asyncio.Event()
        # Most workers spend their life waiting on the server or on children, so slots are more
        # plentiful than cores; tasks that ask for CPUs are also bounded by the CPU count.
        self.max_workers = server.settings.max_workers or max(16, 12 * int(os.cpu_count() or 1))

    async def run(self) -> None:
        """Ticks until :meth:`stop`."""
        recovered = await run_in_threadpool(attempt_repo.grant_grace, self._server.engine, time.time())
        await run_in_threadpool(self._adopt_attempts_in_flight)
        if recovered:
            logger.info("%d attempts were in flight when the server stopped; waiting for their workers", recovered)
        while not self._stopping.is_set():
            try:
                await run_in_threadpool(self.tick)
            except Exception:
                logger.exception("Scheduler tick failed")
            await self._server.notifier.wait_scheduler(_TICK_S)

    def _adopt_attempts_in_flight(self) -> None:
        """After a restart: the attempts still running keep their timeouts, counted from their start.

        Their workers belong to the previous server; when one overstays, its attempt is ended
        here and the worker, told at its next heartbeat that the attempt is over, exits.
        """
        for run_name, action_name, attempt, started, worker in attempt_repo.attempts_in_flight(self._server.engine):
            row = action_repo.get_action(self._server.engine, run_name, action_name)
            if row is None or worker is None:
                continue
            self._adopted[worker] = _InFlight(run_name, action_name, attempt, started, self._spec(row).timeout_seconds)

    def stop(self) -> None:
        """Ends :meth:`run` after the current tick."""
        self._stopping.set()
        self._server.notifier.wake_scheduler()

    def tick(self) -> None:
        """One round of the scheduler (runs on a worker thread)."""
        now = time.time()
        reported: list[tuple[_InFlight, Exit]] = []
        for exited in self._server.executor.poll():
            if exited.outcome is not None and exited.reason is None and exited.worker in self._in_flight:
                reported.append((self._in_flight.pop(exited.worker), exited))
                continue
            try:
                self._worker_exited(exited)
            except Exception:
                logger.exception("Could not record the end of worker %s", exited.worker)
        if reported:
            self._reported(reported)
        active = [row for row in attempt_repo.active_actions(self._server.engine) if self._schedulable(row)]
        self._enforce(active, now)
        self._dispatch(active, now)

    def _spec(self, row: Any) -> wire.TaskSpec:
        # Parsing a spec's JSON on every tick for every action in flight adds up in big fan-outs.
        key = (row.run_name, row.name)
        spec = self._specs.get(key)
        if spec is None:
            if len(self._specs) > 50_000:
                self._specs.clear()
            spec = self._specs[key] = action_repo.task_spec(row)
        return spec

    def _schedulable(self, row: Any) -> bool:
        """Whether the action's stored spec can be read; an action whose spec cannot is failed."""
        if (row.run_name, row.name) in self._poisoned:
            return False
        try:
            self._spec(row)
        except Exception as e:
            self._fail_action(row, e)
            return False
        return True

    def _fail_action(self, row: Any, cause: Exception) -> None:
        """Fails an action the scheduler cannot handle, saying why, and stops its worker."""
        key = (row.run_name, row.name)
        logger.warning("Failing action %s of run %s: %s", row.name, row.run_name, cause)
        error = wire.ErrorInfo(
            code="SchedulingError",
            kind="system",
            message=f"The server cannot schedule this action: {type(cause).__name__}: {cause}",
        )
        try:
            ended = attempt_repo.fail_action(self._server.engine, row.run_name, row.name, error)
        except Exception:
            logger.exception("Could not fail action %s of run %s; skipping it from now on", row.name, row.run_name)
            if len(self._poisoned) > 10_000:
                self._poisoned.clear()
            self._poisoned.add(key)
            return
        self._specs.pop(key, None)
        if ended is not None:
            for worker in ended.workers_to_stop:
                self._server.executor.stop(worker, "aborted")
            self._server.notifier.run_changed(row.run_name)

    def _worker_exited(self, exited: Exit) -> None:
        flight = self._in_flight.pop(exited.worker, None)
        if flight is None:
            return
        if exited.reason == "timeout":
            error = wire.ErrorInfo(
                code="TaskTimeoutError",
                kind="user",
                message=f"Task exceeded its timeout of {flight.timeout:g}s and was stopped",
            )
        elif exited.reason == "oom":
            error = wire.ErrorInfo(
                code="OOMError", kind="user", message="Task exceeded its memory limit and was stopped"
            )
        elif exited.reason == "aborted":
            return
        elif exited.reason == "lost":
            error = wire.ErrorInfo(
                code="WorkerLost", kind="system", message=f"The worker sent no heartbeat for {LOST_AFTER_S:g}s"
            )
        elif exited.reason == "start-failed":
            message = exited.message or "The worker could not start"
            if "ModuleLoadError" in message or "cannot load" in message or "cannot import" in message:
                message = message.removeprefix("ModuleLoadError: ")
                error = wire.ErrorInfo(code="ModuleLoadError", kind="user", message=message)
            elif message.startswith(("CodeBundleError: ", "ImageBuildError: ")):
                # The bundle or the image itself is unusable: another attempt would find it the same.
                code, _, message = message.partition(": ")
                error = wire.ErrorInfo(code=code, kind="user", message=message)
            else:
                error = wire.ErrorInfo(code="WorkerStartFailed", kind="system", message=message)
        else:
            error = wire.ErrorInfo(
                code="WorkerExited",
                kind="system",
                message=exited.message or f"The worker exited with code {exited.returncode} before reporting a result",
            )
        self._end(flight, error)

    def _reported(self, reported: list[tuple[_InFlight, Exit]]) -> None:
        """Ends, in one transaction, the attempts whose workers handed their outcome (and last log
        lines) to the executor; should the batch fail, each is ended on its own."""
        outcomes = []
        for flight, exited in reported:
            assert exited.outcome is not None
            secrets = self._server.secret_values(flight.run_name, flight.action_name, flight.attempt)
            error, report = exited.outcome.error, exited.outcome.report
            outcomes.append(
                attempt_repo.Outcome(
                    flight.run_name,
                    flight.action_name,
                    flight.attempt,
                    exited.outcome.outputs,
                    redact_error(error, secrets) if error is not None else None,
                    redact_text(report, secrets) if report is not None else None,
                    tuple(redact_lines(list(exited.logs), secrets)),
                )
            )
        try:
            results = attempt_repo.end_attempts(self._server.engine, outcomes)
        except Exception:
            logger.exception("Could not record %d outcomes together; recording them one by one", len(outcomes))
            results = []
            for outcome in outcomes:
                try:
                    results.extend(attempt_repo.end_attempts(self._server.engine, [outcome]))
                except Exception as e:
                    error = wire.ErrorInfo(code="SchedulingError", kind="system", message=f"{type(e).__name__}: {e}")
                    results.append(
                        attempt_repo.end_attempt(
                            self._server.engine, outcome.run_name, outcome.name, outcome.attempt, None, error
                        )
                    )
        for ended in results:
            if ended is not None:
                for worker in ended.workers_to_stop:
                    self._server.executor.stop(worker, "aborted")
        for run_name in {flight.run_name for flight, _ in reported}:
            self._server.notifier.run_changed(run_name)

    def _end(self, flight: _InFlight, error: wire.ErrorInfo) -> None:
        # A worker that failed to start may have printed its environment's values in its message.
        error = redact_error(error, self._server.secret_values(flight.run_name, flight.action_name, flight.attempt))
        ended = attempt_repo.end_attempt(
            self._server.engine, flight.run_name, flight.action_name, flight.attempt, None, error
        )
        if ended is not None:
            for worker in ended.workers_to_stop:
                self._server.executor.stop(worker, "aborted")
            self._server.notifier.run_changed(flight.run_name)

    def _enforce(self, active: list[Any], now: float) -> None:
        for row in active:
            try:
                self._enforce_one(row, now)
            except Exception as e:
                self._fail_action(row, e)

    def _enforce_one(self, row: Any, now: float) -> None:
        worker = row.worker or ""
        adopted = self._adopted.get(worker)
        if adopted is not None and adopted.timeout is not None and now - adopted.started > adopted.timeout:
            del self._adopted[worker]
            message = f"Task exceeded its timeout of {adopted.timeout:g}s and was stopped"
            self._end(adopted, wire.ErrorInfo(code="TaskTimeoutError", kind="user", message=message))
            return
        flight = self._in_flight.get(worker)
        if flight is not None and flight.timeout is not None and now - flight.started > flight.timeout:
            self._server.executor.stop(worker, "timeout")
            return
        if row.heartbeat_at is not None and now - row.heartbeat_at > LOST_AFTER_S:
            if self._server.executor.tracks(worker):
                # Alive but silent (hung): stop it; its exit ends the attempt.
                self._server.executor.stop(worker, "lost")
                return
            lost = _InFlight(row.run_name, row.name, row.attempt, now, None)
            self._in_flight.pop(worker, None)
            self._end(
                lost,
                wire.ErrorInfo(code="WorkerLost", kind="system", message=f"No heartbeat for {LOST_AFTER_S:g}s"),
            )

    def _dispatch(self, active: list[Any], now: float) -> None:
        # Attempts on a reusable environment's replicas take no worker slot and no resources of
        # their own: the pool bounds them (replicas x concurrency) and queues what does not fit.
        busy = [row for row in active if not row.waiting and self._spec(row).reuse is None]
        capacity = self._server.executor.capacity()
        cpu_used = sum(self._spec(row).cpu or 0.0 for row in busy)
        memory_used = sum(self._spec(row).memory_bytes or 0 for row in busy)
        gpu_used = sum(self._spec(row).gpu or 0 for row in busy)
        slots = self.max_workers - len(busy)
        per_run: dict[str, int] = {}
        for row in active:
            if not row.waiting:
                per_run[row.run_name] = per_run.get(row.run_name, 0) + 1
        full = [name for name, count in per_run.items() if (limit := self._run_limit(name)) and count >= limit]
        pooled_rows: list[tuple[Any, wire.TaskSpec]] = []
        for row in attempt_repo.ready_actions(self._server.engine, now, skip_runs=full):
            if not self._schedulable(row):
                continue
            spec = self._spec(row)
            pooled = spec.reuse is not None
            if slots <= 0 and not pooled:
                continue
            try:
                if not pooled and not self._can_ever_run(row, spec, capacity):
                    continue
                if not pooled and (
                    cpu_used + (spec.cpu or 0.0) > capacity.cpu
                    or memory_used + (spec.memory_bytes or 0) > capacity.memory_bytes
                    or gpu_used + (spec.gpu or 0) > capacity.gpu
                ):
                    continue
                limit = self._run_limit(row.run_name)
                if limit is not None and per_run.get(row.run_name, 0) >= limit:
                    continue
                if pooled:
                    # Started together below: one transaction for the whole batch.
                    pooled_rows.append((row, spec))
                    per_run[row.run_name] = per_run.get(row.run_name, 0) + 1
                    continue
                started = self._start(row, spec)
            except Exception as e:
                self._fail_action(row, e)
                continue
            if started:
                per_run[row.run_name] = per_run.get(row.run_name, 0) + 1
                slots -= 1
                cpu_used += spec.cpu or 0.0
                memory_used += spec.memory_bytes or 0
                gpu_used += spec.gpu or 0
        if pooled_rows:
            self._start_pooled(pooled_rows)

    def _start_pooled(self, rows: list[tuple[Any, wire.TaskSpec]]) -> None:
        """Starts attempts on reusable environments' replicas, their database part in one batch."""
        tokens = [(f"w-{uuid.uuid4().hex[:12]}", *new_token()) for _ in rows]
        try:
            attempts = attempt_repo.start_attempts(
                self._server.engine,
                [
                    (row.run_name, row.name, worker, token_hash)
                    for (row, _), (worker, _, token_hash) in zip(rows, tokens, strict=True)
                ],
            )
        except Exception:
            logger.exception("Could not start %d attempts together; starting them one by one", len(rows))
            for row, spec in rows:
                try:
                    self._start(row, spec)
                except Exception as e:
                    self._fail_action(row, e)
            return
        for (row, spec), (worker, token, _), attempt in zip(rows, tokens, attempts, strict=True):
            if attempt is not None:
                try:
                    self._launch(row, spec, worker, token, attempt)
                except Exception as e:
                    self._fail_action(row, e)

    def _can_ever_run(self, row: Any, spec: wire.TaskSpec, capacity: Capacity) -> bool:
        """False for a task asking for more than the executor's machines have: it stays queued, and
        the action says why (once), for `flyte get run` and the API to show."""
        reason = capacity.shortfall(spec)
        if reason is None:
            return True
        if row.waiting_reason != reason and attempt_repo.set_waiting_reason(
            self._server.engine, row.run_name, row.name, reason
        ):
            logger.warning("Action %s of run %s waits: %s", row.name, row.run_name, reason)
            self._server.notifier.run_changed(row.run_name)
        return False

    def _run_limit(self, run_name: str) -> int | None:
        # A run's options never change: read once (the cache is bounded like the specs').
        if run_name in self._limits:
            return self._limits[run_name]
        row = run_repo.get_run(self._server.engine, run_name)
        if row is None:
            return None
        try:
            limit = run_repo.run_options(row).get("max_action_concurrency")
            limit = int(limit) if limit else None
        except (ValueError, TypeError, AttributeError):
            # Options no server wrote: the run keeps going, without a limit.
            logger.warning("Run %s has unreadable options; scheduling it without a concurrency limit", run_name)
            limit = None
        if len(self._limits) > 50_000:
            self._limits.clear()
        self._limits[run_name] = limit
        return limit

    def _start(self, row: Any, spec: wire.TaskSpec) -> bool:
        worker = f"w-{uuid.uuid4().hex[:12]}"
        token, token_hash = new_token()
        attempt = attempt_repo.start_attempt(self._server.engine, row.run_name, row.name, worker, token_hash)
        if attempt is None:
            return False
        return self._launch(row, spec, worker, token, attempt)

    def _launch(self, row: Any, spec: wire.TaskSpec, worker: str, token: str, attempt: int) -> bool:
        """Hands a started attempt to the executor; a launch that fails ends the attempt."""
        flight = _InFlight(row.run_name, row.name, attempt, time.time(), spec.timeout_seconds)
        self._in_flight[worker] = flight
        try:
            launch = Launch(
                run_name=row.run_name,
                action_name=row.name,
                attempt=attempt,
                task=spec,
                bundle=self._server.bundle_of(row.run_name),
                env=self._server.worker_env(row, spec, attempt, token),
                # A first attempt has nothing recorded to replay: a replica needs no round trip for it.
                spec=self._server.attempt_spec(row, attempt, []) if spec.reuse is not None and attempt == 1 else None,
            )
            self._server.executor.start(worker, launch)
        except BaseRuntimeError as e:
            # The user's to fix (a missing secret, say): fail now, not after a worker is lost.
            self._in_flight.pop(worker, None)
            self._end(flight, wire.ErrorInfo(code=e.code, kind=e.kind, message=e.message))
            return False
        except Exception as e:
            self._in_flight.pop(worker, None)
            self._end(flight, wire.ErrorInfo(code="WorkerStartFailed", kind="system", message=str(e)))
            return False
        self._server.notifier.run_changed(row.run_name)
        return True
