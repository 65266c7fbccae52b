"""Partitions: the values besides name and version that identify an artifact version.

A ``date`` is a daily time partition, a ``datetime`` an hourly one (floored to the hour, in UTC;
naive means UTC), a :class:`TimePartition` names its granularity, and any other value is a string
partition. A version has at most one time partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal, Mapping, get_args

Granularity = Literal["hour", "day", "week", "month"]

_GRANULARITIES: tuple[str, ...] = get_args(Granularity)


@dataclass(frozen=True)
class TimePartition:
    """A time partition value with an explicit granularity (``"hour"``, ``"day"``, ``"week"``,
    ``"month"``); plain ``date`` and ``datetime`` values mean ``"day"`` and ``"hour"``."""

    value: date | datetime
    granularity: Granularity = "day"

    def __post_init__(self) -> None:
        if self.granularity not in _GRANULARITIES:
            raise ValueError(f"TimePartition: granularity {self.granularity!r} is not one of {list(_GRANULARITIES)}")
        if not isinstance(self.value, (date, datetime)):
            raise TypeError(f"TimePartition: value must be a date or datetime, got {type(self.value).__name__}")


def _floor(value: date | datetime, granularity: str) -> datetime:
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    else:
        moment = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if granularity == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def resolve_partitions(partitions: Mapping[str, Any] | None) -> dict[str, dict[str, str]]:
    """The partitions as stored: ``key -> {"value": ..., "granularity": ...}`` (granularity only
    for the time partition, whose value is an ISO-8601 UTC timestamp).

    Raises:
        ValueError: an empty key, a None value or two time partitions.
    """
    resolved: dict[str, dict[str, str]] = {}
    time_key: str | None = None
    for key, value in (partitions or {}).items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"Artifact partition keys must be non-empty strings, got {key!r}")
        if value is None:
            raise ValueError(
                f"Artifact partition '{key}' is None; give it a date, datetime or a value with a string form"
            )
        if isinstance(value, (date, datetime, TimePartition)):
            if time_key is not None:
                raise ValueError(
                    f"Artifact partitions '{time_key}' and '{key}' both hold times; a version has at most one "
                    "time partition"
                )
            time_key = key
            if isinstance(value, TimePartition):
                moment, granularity = _floor(value.value, value.granularity), value.granularity
            elif isinstance(value, datetime):
                moment, granularity = _floor(value, "hour"), "hour"
            else:
                moment, granularity = _floor(value, "day"), "day"
            resolved[key] = {"value": moment.isoformat(), "granularity": granularity}
        else:
            resolved[key] = {"value": str(value)}
    return resolved
