"""The life of an action's attempts: dispatch, heartbeats, completion, retries and aborts.

Every change of phase is written with a row in ``transitions``, in the same transaction as the
change, so the history of an action is exactly what happened to it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Row, and_, bindparam, or_, select, update

from flyte._internal import wire
from flyte._internal.model.naming import ROOT_ACTION
from flyte.server.db.schema import actions, attempts, runs, transitions
from flyte.server.repo.actions import ACTIVE_PHASES, store_in_cache, task_spec

SYSTEM_RETRIES = 3
# Errors that another attempt cannot fix.
_FINAL_CODES = frozenset(
    {
        "NonRecoverableError",
        "RuntimeDataValidationError",
        "InlineIOMaxBytesBreached",
        "SecretNotFound",
        "CodeBundleError",
        "ImageBuildError",
    }
)
_TIMEOUT_CODES = frozenset({"TaskTimeoutError", "MaxRuntimeExceededError", "DeadlineExceededError"})


@dataclass(frozen=True)
class Ended:
    """What happened when an attempt ended: the action's new phase, and whether the run ended."""

    run_name: str
    action_name: str
    phase: str
    run_ended: bool
    workers_to_stop: tuple[str, ...] = ()


def _where(run_name: str, name: str) -> Any:
    return and_(actions.c.run_name == run_name, actions.c.name == name)


# Statements built once and executed with parameters: building SQLAlchemy expressions costs more
# than running them, and an attempt's start and end are on the scheduler's hot path.
_SELECT_ACTION = select(actions).where(
    and_(actions.c.run_name == bindparam("w_run"), actions.c.name == bindparam("w_name"))
)
_END_ATTEMPT_ROW = (
    update(attempts)
    .where(
        and_(
            attempts.c.run_name == bindparam("w_run"),
            attempts.c.action_name == bindparam("w_name"),
            attempts.c.attempt == bindparam("w_attempt"),
        )
    )
    .values(phase=bindparam("v_phase"), ended_at=bindparam("v_ended_at"), error=bindparam("v_error"))
)
_claims: dict[tuple[tuple[str, ...], tuple[str, ...]], Any] = {}


def _action_row(conn: Connection, run_name: str, name: str) -> Row[Any] | None:
    return conn.execute(_SELECT_ACTION, {"w_run": run_name, "w_name": name}).one_or_none()


def _claim(
    conn: Connection, run_name: str, name: str, attempt: int, phases: tuple[str, ...], values: dict[str, Any]
) -> bool:
    """Updates the action only if it is still at ``attempt`` in one of ``phases``.

    The condition is in the UPDATE itself, so two requests racing on one action (a late report
    and a lost-worker retry, say) cannot both apply, whatever the database's isolation level.
    """
    key = (phases, tuple(sorted(values)))
    statement = _claims.get(key)
    if statement is None:
        statement = _claims[key] = (
            update(actions)
            .where(
                and_(
                    actions.c.run_name == bindparam("w_run"),
                    actions.c.name == bindparam("w_name"),
                    actions.c.attempt == bindparam("w_attempt"),
                    actions.c.phase.in_(phases),
                )
            )
            .values({column: bindparam(f"v_{column}") for column in key[1]})
        )
    parameters = {"w_run": run_name, "w_name": name, "w_attempt": attempt}
    parameters.update({f"v_{column}": value for column, value in values.items()})
    result = conn.execute(statement, parameters)
    return result.rowcount == 1


def _transition(conn: Connection, run_name: str, name: str, attempt: int, phase: str, at: float) -> None:
    conn.execute(
        transitions.insert(), {"run_name": run_name, "action_name": name, "attempt": attempt, "phase": phase, "at": at}
    )


def ready_actions(engine: Engine, now: float, limit: int = 500, skip_runs: Collection[str] = ()) -> list[Row[Any]]:
    """Queued actions whose backoff has passed, oldest first, leaving out those of ``skip_runs``
    (runs at their concurrency limit, whose queue would otherwise fill the window)."""
    query = (
        select(actions)
        .where(and_(actions.c.phase == "QUEUED", actions.c.ready_at <= now))
        .order_by(actions.c.queued_at)
        .limit(limit)
    )
    if skip_runs:
        query = query.where(actions.c.run_name.not_in(list(skip_runs)))
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def active_actions(engine: Engine) -> list[Row[Any]]:
    """Actions with an attempt in flight."""
    with engine.connect() as conn:
        return list(conn.execute(select(actions).where(actions.c.phase.in_(ACTIVE_PHASES))).all())


def start_attempt(engine: Engine, run_name: str, name: str, worker: str, token_hash: str | None = None) -> int | None:
    """Moves a queued action to INITIALIZING under a new attempt; None if it is no longer queued.

    ``token_hash`` is the hash of the token the attempt's worker will report with.
    """
    with engine.begin() as conn:
        return _start_attempt(conn, run_name, name, worker, token_hash)


def start_attempts(engine: Engine, starts: list[tuple[str, str, str, str | None]]) -> list[int | None]:
    """:func:`start_attempt` for many (run, action, worker, token hash), in one transaction."""
    with engine.begin() as conn:
        return [_start_attempt(conn, run_name, name, worker, token) for run_name, name, worker, token in starts]


def _start_attempt(conn: Connection, run_name: str, name: str, worker: str, token_hash: str | None) -> int | None:
    now = time.time()
    row = _action_row(conn, run_name, name)
    if row is None or row.phase != "QUEUED":
        return None
    attempt = int(row.attempt) + 1
    claimed = _claim(
        conn,
        run_name,
        name,
        int(row.attempt),
        ("QUEUED",),
        {
            "phase": "INITIALIZING",
            "attempt": attempt,
            "started_at": row.started_at or now,
            "heartbeat_at": now,
            "waiting": False,
            "worker": worker,
            "waiting_reason": None,
        },
    )
    if not claimed:
        return None
    conn.execute(
        attempts.insert(),
        {
            "run_name": run_name,
            "action_name": name,
            "attempt": attempt,
            "phase": "INITIALIZING",
            "started_at": now,
            "worker": worker,
            "token_hash": token_hash,
        },
    )
    _transition(conn, run_name, name, attempt, "INITIALIZING", now)
    if name == ROOT_ACTION:
        conn.execute(update(runs).where(runs.c.name == run_name).values(phase="RUNNING"))
    return attempt


def set_waiting_reason(engine: Engine, run_name: str, name: str, reason: str) -> bool:
    """Records why a queued action waits; False if it is no longer queued or already said so."""
    with engine.begin() as conn:
        result = conn.execute(
            update(actions)
            .where(
                and_(
                    _where(run_name, name),
                    actions.c.phase == "QUEUED",
                    or_(actions.c.waiting_reason.is_(None), actions.c.waiting_reason != reason),
                )
            )
            .values(waiting_reason=reason)
        )
        return bool(result.rowcount)


def heartbeat(
    engine: Engine, run_name: str, name: str, attempt: int, waiting: bool
) -> Literal["over", "same", "changed", "started"]:
    """Records that the attempt's worker is alive and whether it only waits on children.

    Returns ``"over"`` when that attempt is over, ``"started"`` on its first heartbeat (the
    action went from INITIALIZING to RUNNING), ``"changed"`` when the worker started or stopped
    waiting (a slot was freed or taken), ``"same"`` otherwise.
    """
    now = time.time()
    with engine.begin() as conn:
        row = conn.execute(
            select(actions.c.phase, actions.c.attempt, actions.c.waiting).where(_where(run_name, name))
        ).one_or_none()
        if row is None or row.attempt != attempt or row.phase not in ACTIVE_PHASES:
            return "over"
        values: dict[str, Any] = {"heartbeat_at": now, "waiting": waiting, "phase": "RUNNING"}
        if not _claim(conn, run_name, name, attempt, ACTIVE_PHASES, values):
            return "over"
        if row.phase == "INITIALIZING":
            _transition(conn, run_name, name, attempt, "RUNNING", now)
            conn.execute(
                update(attempts)
                .where(
                    and_(
                        attempts.c.run_name == run_name,
                        attempts.c.action_name == name,
                        attempts.c.attempt == attempt,
                    )
                )
                .values(phase="RUNNING")
            )
            return "started"
    return "changed" if bool(row.waiting) != waiting else "same"


def save_report(engine: Engine, run_name: str, name: str, html: str) -> None:
    """Stores the latest HTML of the action's report."""
    with engine.begin() as conn:
        conn.execute(update(actions).where(_where(run_name, name)).values(report=html))


def end_attempt(
    engine: Engine,
    run_name: str,
    name: str,
    attempt: int,
    outputs: bytes | None,
    error: wire.ErrorInfo | None,
    report: str | None = None,
) -> Ended | None:
    """Ends an attempt with its outputs or error, deciding between a retry and the end.

    Returns None when the attempt was already over (a late report from a worker declared lost).
    """
    with engine.begin() as conn:
        return _end_attempt(conn, run_name, name, attempt, outputs, error, report)


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended, for :func:`end_attempts`."""

    run_name: str
    name: str
    attempt: int
    outputs: bytes | None
    error: wire.ErrorInfo | None
    report: str | None = None
    logs: tuple[wire.LogLine, ...] = ()


def end_attempts(engine: Engine, outcomes: list[Outcome]) -> list[Ended | None]:
    """Ends many attempts (and stores their last log lines) in one transaction: as
    :func:`end_attempt` for each, at the cost of one commit."""
    from flyte.server.repo.logs import insert_lines

    with engine.begin() as conn:
        for outcome in outcomes:
            insert_lines(conn, outcome.run_name, outcome.name, outcome.attempt, list(outcome.logs))
        return [_end_attempt(conn, o.run_name, o.name, o.attempt, o.outputs, o.error, o.report) for o in outcomes]


def _end_attempt(
    conn: Connection,
    run_name: str,
    name: str,
    attempt: int,
    outputs: bytes | None,
    error: wire.ErrorInfo | None,
    report: str | None,
) -> Ended | None:
    now = time.time()
    row = _action_row(conn, run_name, name)
    if row is None or row.attempt != attempt or row.phase not in ACTIVE_PHASES:
        return None
    values: dict[str, Any]
    cache_it = False
    if error is None:
        phase, values = "SUCCEEDED", {"outputs": outputs, "error": None}
        if row.cache_key is not None and outputs is not None:
            cache_it = True
            values["cache_status"] = "CACHE_POPULATED"
    else:
        phase, values = _after_failure(row, error, now)
    attempt_phase = (
        phase if phase != "QUEUED" else ("TIMED_OUT" if error and error.code in _TIMEOUT_CODES else "FAILED")
    )
    if report is not None:
        values["report"] = report
    ended = phase != "QUEUED"
    if ended:
        values["ended_at"] = now
    if not _claim(conn, run_name, name, attempt, ACTIVE_PHASES, {"phase": phase, "worker": None, **values}):
        return None
    if cache_it:
        store_in_cache(conn, row.cache_key, row.task_name, outputs or b"")
    conn.execute(
        _END_ATTEMPT_ROW,
        {
            "w_run": run_name,
            "w_name": name,
            "w_attempt": attempt,
            "v_phase": attempt_phase,
            "v_ended_at": now,
            "v_error": error.model_dump_json() if error else None,
        },
    )
    _transition(conn, run_name, name, attempt, phase, now)
    run_ended = ended and name == ROOT_ACTION
    orphans = _end_run(conn, run_name, phase, error, now) if run_ended else []
    workers = tuple(row.worker for row in orphans if row.worker and row.phase in ACTIVE_PHASES)
    return Ended(run_name, name, phase, run_ended, workers)


def _end_run(conn: Connection, run_name: str, phase: str, error: wire.ErrorInfo | None, now: float) -> list[Row[Any]]:
    """Ends the run with its root's phase; aborts and returns the children still unfinished."""
    conn.execute(
        update(runs)
        .where(runs.c.name == run_name)
        .values(phase=phase, ended_at=now, error=error.model_dump_json() if error else None)
    )
    # Children nobody waits for any more (the root failed, or did not await them).
    reason = wire.ErrorInfo(
        code="ActionAbortedError", kind="user", message=f"The run ended ({phase}) before this action"
    )
    return abort_unfinished(conn, run_name, reason.model_dump_json(), now)


def fail_action(engine: Engine, run_name: str, name: str, error: wire.ErrorInfo) -> Ended | None:
    """Fails an unfinished action for good, whatever its attempt (one the server cannot schedule).

    Returns None when the action has ended already (or does not exist).
    """
    now = time.time()
    with engine.begin() as conn:
        row = conn.execute(select(actions).where(_where(run_name, name))).one_or_none()
        if row is None or row.phase in wire.TERMINAL_PHASES:
            return None
        values = {"phase": "FAILED", "worker": None, "error": error.model_dump_json(), "ended_at": now}
        if not _claim(conn, run_name, name, int(row.attempt), (row.phase,), values):
            return None
        if row.phase in ACTIVE_PHASES:
            conn.execute(
                update(attempts)
                .where(
                    and_(
                        attempts.c.run_name == run_name,
                        attempts.c.action_name == name,
                        attempts.c.attempt == row.attempt,
                    )
                )
                .values(phase="FAILED", ended_at=now, error=error.model_dump_json())
            )
        _transition(conn, run_name, name, int(row.attempt), "FAILED", now)
        run_ended = name == ROOT_ACTION
        orphans = _end_run(conn, run_name, "FAILED", error, now) if run_ended else []
    workers = tuple(r.worker for r in orphans if r.worker and r.phase in ACTIVE_PHASES)
    if row.worker and row.phase in ACTIVE_PHASES:
        workers = (row.worker, *workers)
    return Ended(run_name, name, "FAILED", run_ended, workers)


def _retry_policy(row: Row[Any]) -> tuple[int, list[float]]:
    """The user retries and backoff delays of the action's task; none when its spec is unreadable.

    A stored spec is validated on the way in; this guards rows written by older servers or by
    hand, so that one bad row ends its own action instead of every later completion.
    """
    try:
        spec = task_spec(row)
    except (ValueError, TypeError):
        return 0, []
    delays = [d if math.isfinite(d) and d >= 0 else 0.0 for d in spec.backoff_seconds]
    return spec.retries, [min(d, wire.MAX_BACKOFF_S) for d in delays]


def _after_failure(row: Row[Any], error: wire.ErrorInfo, now: float) -> tuple[str, dict[str, Any]]:
    """The phase after a failed attempt: QUEUED again (with backoff) or the final phase."""
    retries, delays = _retry_policy(row)
    final = "TIMED_OUT" if error.code in _TIMEOUT_CODES else "FAILED"
    values: dict[str, Any] = {"error": error.model_dump_json()}
    if error.kind == "system":
        failures = row.system_failures + 1
        values["system_failures"] = failures
        if failures <= SYSTEM_RETRIES:
            return "QUEUED", {**values, "ready_at": now + min(2.0**failures * 0.1, 5.0)}
        return final, values
    failures = row.user_failures + 1
    values["user_failures"] = failures
    if error.code in _FINAL_CODES or failures > retries:
        return final, values
    delay = delays[failures - 1] if failures - 1 < len(delays) else (delays[-1] if delays else 0.0)
    return "QUEUED", {**values, "ready_at": now + delay}


def abort_unfinished(
    conn: Connection, run_name: str, error_json: str, now: float, names: Collection[str] | None = None
) -> list[Row[Any]]:
    """Marks the unfinished actions of the run (only those of ``names`` when given) ABORTED, ending
    the attempts in flight; returns the actions as they were."""
    unfinished = and_(actions.c.run_name == run_name, actions.c.phase.not_in(tuple(wire.TERMINAL_PHASES)))
    if names is None:
        rows = list(conn.execute(select(actions).where(unfinished)).all())
    else:
        wanted, rows = sorted(names), []
        # Bounded IN lists keep every database happy with large fan-outs.
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows.extend(conn.execute(select(actions).where(and_(unfinished, actions.c.name.in_(chunk)))).all())
    aborted: list[Row[Any]] = []
    for row in rows:
        values = {"phase": "ABORTED", "ended_at": now, "error": error_json, "worker": None}
        if not _claim(conn, run_name, row.name, int(row.attempt), (row.phase,), values):
            continue  # it ended meanwhile
        if row.phase in ACTIVE_PHASES:
            conn.execute(
                _END_ATTEMPT_ROW,
                {
                    "w_run": run_name,
                    "w_name": row.name,
                    "w_attempt": row.attempt,
                    "v_phase": "ABORTED",
                    "v_ended_at": now,
                    "v_error": error_json,
                },
            )
        _transition(conn, run_name, row.name, row.attempt, "ABORTED", now)
        aborted.append(row)
    return aborted


# An action joined with the row of the attempt it is at now.
_CURRENT_ATTEMPT = and_(
    attempts.c.run_name == actions.c.run_name,
    attempts.c.action_name == actions.c.name,
    attempts.c.attempt == actions.c.attempt,
)


def attempts_in_flight(engine: Engine) -> list[tuple[str, str, int, float, str | None]]:
    """(run, action, attempt, attempt start, worker) of every attempt in flight."""
    query = select(actions.c.run_name, actions.c.name, actions.c.attempt, attempts.c.started_at, actions.c.worker).join(
        attempts, _CURRENT_ATTEMPT
    )
    with engine.connect() as conn:
        rows = conn.execute(query.where(actions.c.phase.in_(ACTIVE_PHASES))).all()
    return [(r.run_name, r.name, int(r.attempt), float(r.started_at), r.worker) for r in rows]


def token_hash(engine: Engine, run_name: str, name: str, attempt: int) -> tuple[bool, str | None]:
    """Whether the attempt exists, and the hash of its worker's token (None for old attempts)."""
    query = select(attempts.c.token_hash).where(
        and_(attempts.c.run_name == run_name, attempts.c.action_name == name, attempts.c.attempt == attempt)
    )
    with engine.connect() as conn:
        row = conn.execute(query).one_or_none()
    return (False, None) if row is None else (True, row.token_hash)


def current_token_hash(engine: Engine, run_name: str, name: str) -> tuple[bool, str | None]:
    """Like :func:`token_hash`, for the attempt the action is at now (in flight or not)."""
    query = select(attempts.c.token_hash).join(actions, _CURRENT_ATTEMPT)
    with engine.connect() as conn:
        row = conn.execute(query.where(_where(run_name, name))).one_or_none()
    return (False, None) if row is None else (True, row.token_hash)


def grant_grace(engine: Engine, now: float) -> int:
    """After a restart: gives attempts in flight a fresh heartbeat deadline; returns how many."""
    with engine.begin() as conn:
        result = conn.execute(update(actions).where(actions.c.phase.in_(ACTIVE_PHASES)).values(heartbeat_at=now))
    return int(result.rowcount or 0)
