"""Transformers of datetime, date, time and timedelta."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ._base import TypeTransformer, mismatch, refuse_pickled
from ._scalars import int_literal


def _zone_key(tz: dt.tzinfo | None) -> str | None:
    # zoneinfo.ZoneInfo names its zone ``key`` and pytz names it ``zone``; a fixed offset has
    # neither, and the offset written by isoformat() already describes it fully.
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)
    return key if isinstance(key, str) else None


class DatetimeTransformer(TypeTransformer[dt.datetime]):
    """``datetime``: ISO 8601 text; a named time zone is kept as an RFC 9557 suffix.

    ``2024-03-01T09:00:00+01:00[Europe/Paris]`` comes back in ``ZoneInfo("Europe/Paris")``,
    a fixed offset comes back as that offset, and a naive value stays naive.
    """

    passthrough = True

    def __init__(self) -> None:
        super().__init__("datetime", dt.datetime)

    def to_literal(self, value: dt.datetime) -> Any:
        """The ISO 8601 text of ``value``, with its zone name when it has one."""
        if not isinstance(value, dt.datetime):
            raise mismatch("datetime", value)
        text = value.isoformat()
        key = _zone_key(value.tzinfo)
        return f"{text}[{key}]" if key else text

    def to_python_value(self, literal: Any) -> dt.datetime:
        """Parses the text, restoring a named zone."""
        refuse_pickled("datetime", literal)
        if not literal.endswith("]"):
            return dt.datetime.fromisoformat(literal)
        text, _, key = literal[:-1].partition("[")
        # Imported here: only values with a named zone need the zone database.
        from zoneinfo import ZoneInfo

        # Converting the instant, rather than replacing the zone, gets the fold of an
        # ambiguous wall-clock time right.
        return dt.datetime.fromisoformat(text).astimezone(ZoneInfo(key))

    def schema(self) -> str:
        """``"datetime"``."""
        return "datetime"


class DateTransformer(TypeTransformer[dt.date]):
    """``date``: ISO 8601 text; a ``datetime`` is refused rather than silently truncated."""

    passthrough = True

    def __init__(self) -> None:
        super().__init__("date", dt.date)

    def to_literal(self, value: dt.date) -> Any:
        """The ``YYYY-MM-DD`` text of ``value``."""
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise mismatch("date", value)
        return value.isoformat()

    def to_python_value(self, literal: Any) -> dt.date:
        """Parses the text."""
        refuse_pickled("date", literal)
        return dt.date.fromisoformat(literal)

    def schema(self) -> str:
        """``"date"``."""
        return "date"


class TimeTransformer(TypeTransformer[dt.time]):
    """``time``: ISO 8601 text, with its UTC offset when it has one."""

    passthrough = True

    def __init__(self) -> None:
        super().__init__("time", dt.time)

    def to_literal(self, value: dt.time) -> Any:
        """The ``HH:MM:SS[.ffffff][+HH:MM]`` text of ``value``."""
        if not isinstance(value, dt.time):
            raise mismatch("time", value)
        return value.isoformat()

    def to_python_value(self, literal: Any) -> dt.time:
        """Parses the text."""
        refuse_pickled("time", literal)
        return dt.time.fromisoformat(literal)

    def schema(self) -> str:
        """``"time"``."""
        return "time"


class TimedeltaTransformer(TypeTransformer[dt.timedelta]):
    """``timedelta``: a whole number of microseconds, which is exact.

    Beyond about 213,000 days the number no longer fits in 64 bits and travels as text.
    """

    passthrough = True

    def __init__(self) -> None:
        super().__init__("timedelta", dt.timedelta)

    def to_literal(self, value: dt.timedelta) -> Any:
        """The duration in microseconds."""
        if not isinstance(value, dt.timedelta):
            raise mismatch("timedelta", value)
        return int_literal((value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds)

    def to_python_value(self, literal: Any) -> dt.timedelta:
        """The duration."""
        if type(literal) is not int:
            refuse_pickled("timedelta", literal)
            literal = int(literal)
        return dt.timedelta(microseconds=literal)

    def schema(self) -> str:
        """``"timedelta"``."""
        return "timedelta"
