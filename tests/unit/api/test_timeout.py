"""Timeout: validation, normalisation from int/timedelta, and the runtime limit in seconds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flyte._timeout import Timeout, max_runtime_seconds, timeout_from_request


@pytest.mark.parametrize(
    ("timeout", "seconds"),
    [
        (None, None),
        (0, None),
        (timedelta(0), None),
        (Timeout(), None),
        (Timeout(max_runtime=0), None),
        (30, 30.0),
        (timedelta(minutes=2), 120.0),
        (Timeout(max_runtime=5), 5.0),
        (Timeout(max_runtime=timedelta(seconds=1.5)), 1.5),
        (Timeout(max_queued_time=10), None),
        (0.25, 0.25),
    ],
)
def test_max_runtime_seconds(timeout: Timeout | int | timedelta | None, seconds: float | None) -> None:
    assert max_runtime_seconds(timeout) == seconds


def test_timeout_from_request() -> None:
    assert timeout_from_request(5) == Timeout(max_runtime=timedelta(seconds=5))
    assert timeout_from_request(timedelta(seconds=5)) == Timeout(max_runtime=timedelta(seconds=5))
    given = Timeout(max_runtime=5, deadline=60)
    assert timeout_from_request(given) is given


@pytest.mark.parametrize("bad", ["5", None, True])
def test_timeout_from_request_rejects_other_types(bad: object) -> None:
    with pytest.raises(ValueError) as info:
        timeout_from_request(bad)
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"max_runtime": -1}, "-1"),
        ({"max_queued_time": -5}, "-5"),
        ({"deadline": timedelta(seconds=-1)}, "days=-1"),
        ({"max_runtime": "10"}, "'10'"),
    ],
)
def test_invalid_timeouts_raise_naming_the_value(kwargs: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError) as info:
        Timeout(**kwargs)
    assert named in str(info.value)
