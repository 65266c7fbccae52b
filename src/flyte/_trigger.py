"""Triggers: definitions of when a task runs on its own, on a cron schedule or at a fixed rate.

Only the definitions live here; the scheduler that acts on them is part of the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Union

from flyte._artifact_triggers import OnArtifact, check_trigger

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Cron", "FixedRate", "MissedSlots", "Trigger", "TriggerOptions", "TriggerTime"]

MissedSlots = Literal["fire_latest", "skip"]
"""What a server does with the slots a trigger missed while it was down: fire the latest of them
once when it comes back (``"fire_latest"``), or none (``"skip"``); never a backlog."""

_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


class _TriggerTimeType:
    """The type of :data:`TriggerTime`; there is exactly one instance."""

    def __repr__(self) -> str:
        return "flyte.TriggerTime"

    def __reduce__(self) -> str:
        # Unpickling must give back the module's singleton, since callers compare with ``is``.
        return "TriggerTime"


TriggerTime = _TriggerTimeType()
"""Placeholder for a trigger input: replaced by the time the trigger fired, as a ``datetime``."""


@dataclass(frozen=True)
class Cron:
    """A cron schedule: five fields (minute hour day-of-month month day-of-week) or a macro such
    as ``@daily``, evaluated in ``timezone`` (an IANA name, UTC by default)."""

    expression: str
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if not isinstance(self.expression, str):
            raise TypeError(f"Cron expression must be a str, got {type(self.expression).__name__}: {self.expression!r}")
        fields = self.expression.split()
        if not (len(fields) == 5 or (len(fields) == 1 and fields[0] in _CRON_MACROS)):
            raise ValueError(
                f"Invalid cron expression {self.expression!r}: expected 5 fields "
                f"(minute hour day-of-month month day-of-week) or one of {', '.join(_CRON_MACROS)}, "
                f"got {len(fields)} field(s)"
            )
        if not isinstance(self.timezone, str) or not self.timezone:
            raise ValueError(f"Cron timezone must be a non-empty IANA name such as 'UTC', got {self.timezone!r}")

    @property
    def timezone_expression(self) -> str:
        """The schedule with its timezone, in the ``CRON_TZ=<zone> <expression>`` form."""
        return f"CRON_TZ={self.timezone} {self.expression}"


@dataclass(frozen=True)
class FixedRate:
    """Run every ``interval_minutes`` minutes, counting from ``start_time`` (or activation).

    A fraction of a minute is accepted down to one second (``interval_minutes=0.05`` is every
    3 seconds).
    """

    interval_minutes: float
    start_time: datetime | None = None

    def __post_init__(self) -> None:
        minutes = self.interval_minutes
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 1 <= minutes * 60 < 1e9:
            raise ValueError(f"FixedRate interval_minutes must be a number, at least 1/60 (1 s), got {minutes!r}")
        if self.start_time is not None and not isinstance(self.start_time, datetime):
            raise TypeError(f"FixedRate start_time must be a datetime, got {self.start_time!r}")


class TriggerOptions(TypedDict, total=False):
    """The settings the :class:`Trigger` shortcuts (:meth:`Trigger.daily`, ...) pass through."""

    auto_activate: bool
    inputs: dict[str, Any] | None
    env_vars: dict[str, str] | None
    interruptible: bool | None
    overwrite_cache: bool
    queue: str | None
    max_action_concurrency: int | None
    labels: Mapping[str, str] | None
    annotations: Mapping[str, str] | None
    custom_context: Mapping[str, str] | None
    missed: MissedSlots


@dataclass(frozen=True)
class Trigger:
    """Runs a task automatically per ``automation`` (a :class:`Cron` or :class:`FixedRate`).

    ``inputs`` are the task's inputs for each run; an input set to :data:`TriggerTime` receives
    the time the trigger fired. ``auto_activate`` starts the trigger as soon as the task is
    deployed. ``missed`` says what happens to the slots missed while the server was down (see
    :data:`MissedSlots`). The other fields apply to the runs it starts, as in
    ``flyte.with_runcontext``.
    """

    name: str
    automation: Union[Cron, FixedRate, OnArtifact, None] = None
    description: str = ""
    auto_activate: bool = True
    inputs: dict[str, Any] | None = None
    env_vars: dict[str, str] | None = None
    interruptible: bool | None = None
    overwrite_cache: bool = False
    queue: str | None = None
    max_action_concurrency: int | None = None
    labels: Mapping[str, str] | None = None
    annotations: Mapping[str, str] | None = None
    notifications: Any = None
    custom_context: Mapping[str, str] | None = None
    missed: MissedSlots = "fire_latest"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Trigger name cannot be empty, got {self.name!r}")
        if self.automation is not None and not isinstance(self.automation, (Cron, FixedRate, OnArtifact)):
            raise TypeError(
                f"Trigger automation must be a Cron, FixedRate or OnArtifact, got {type(self.automation).__name__}: "
                f"{self.automation!r}"
            )
        check_trigger(self.name, self.automation, self.inputs)
        if self.missed not in ("fire_latest", "skip"):
            raise ValueError(f"Trigger missed must be 'fire_latest' or 'skip', got {self.missed!r}")
        limit = self.max_action_concurrency
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ValueError(f"max_action_concurrency must be an int of at least 1, got {limit!r}")

    @classmethod
    def _scheduled(
        cls, cron: str, time_key: str | None, name: str, description: str, options: TriggerOptions
    ) -> Trigger:
        inputs = dict(options.get("inputs") or {})
        if time_key is not None:
            inputs[time_key] = TriggerTime
        merged: TriggerOptions = {**options, "inputs": inputs}
        return cls(name, Cron(cron), description=description, **merged)

    @classmethod
    def minutely(
        cls,
        trigger_time_input_key: str | None = None,
        *,
        name: str = "minutely",
        description: str = "A trigger that runs every minute",
        **options: Unpack[TriggerOptions],
    ) -> Trigger:
        """Every minute; the fire time goes to input ``trigger_time_input_key`` if given."""
        return cls._scheduled("* * * * *", trigger_time_input_key, name, description, options)

    @classmethod
    def hourly(
        cls,
        trigger_time_input_key: str | None = None,
        *,
        name: str = "hourly",
        description: str = "A trigger that runs every hour",
        **options: Unpack[TriggerOptions],
    ) -> Trigger:
        """At the start of every hour; the fire time goes to ``trigger_time_input_key`` if given."""
        return cls._scheduled("0 * * * *", trigger_time_input_key, name, description, options)

    @classmethod
    def daily(
        cls,
        trigger_time_input_key: str | None = None,
        *,
        name: str = "daily",
        description: str = "A trigger that runs daily at midnight",
        **options: Unpack[TriggerOptions],
    ) -> Trigger:
        """Every day at midnight; the fire time goes to ``trigger_time_input_key`` if given."""
        return cls._scheduled("0 0 * * *", trigger_time_input_key, name, description, options)

    @classmethod
    def weekly(
        cls,
        trigger_time_input_key: str | None = None,
        *,
        name: str = "weekly",
        description: str = "A trigger that runs weekly on Sundays at midnight",
        **options: Unpack[TriggerOptions],
    ) -> Trigger:
        """Every Sunday at midnight; the fire time goes to ``trigger_time_input_key`` if given."""
        return cls._scheduled("0 0 * * 0", trigger_time_input_key, name, description, options)

    @classmethod
    def monthly(
        cls,
        trigger_time_input_key: str | None = None,
        *,
        name: str = "monthly",
        description: str = "A trigger that runs monthly on the 1st at midnight",
        **options: Unpack[TriggerOptions],
    ) -> Trigger:
        """On the 1st of every month at midnight; the fire time goes to ``trigger_time_input_key``."""
        return cls._scheduled("0 0 1 * *", trigger_time_input_key, name, description, options)
