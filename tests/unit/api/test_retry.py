"""RetryStrategy and Backoff: validation and the delays between attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flyte._retry import Backoff, RetryStrategy


def test_exponential_delays_are_capped() -> None:
    backoff = Backoff(base=timedelta(seconds=1), factor=2.0, cap=timedelta(seconds=10))
    assert [backoff.compute_delay(n).total_seconds() for n in range(6)] == [1, 2, 4, 8, 10, 10]


def test_constant_backoff_by_default() -> None:
    backoff = Backoff(base=timedelta(seconds=3))
    assert {backoff.compute_delay(n) for n in range(5)} == {timedelta(seconds=3)}


def test_huge_exponents_stay_at_the_cap() -> None:
    backoff = Backoff(base=timedelta(seconds=1), factor=10.0, cap=timedelta(days=1))
    assert backoff.compute_delay(100_000) == timedelta(days=1)
    assert Backoff(base=timedelta(0), factor=2, cap=timedelta(seconds=5)).compute_delay(100_000) == timedelta(0)


def test_negative_retry_index_is_rejected() -> None:
    with pytest.raises(ValueError, match="-1"):
        Backoff(base=timedelta(seconds=1)).compute_delay(-1)


def test_delay_seconds_after_each_failed_attempt() -> None:
    strategy = RetryStrategy(3, backoff=Backoff(base=timedelta(seconds=1), factor=2.0, cap=timedelta(seconds=3)))
    assert [strategy.delay_seconds(attempt) for attempt in (1, 2, 3, 4)] == [1.0, 2.0, 3.0, 3.0]
    assert RetryStrategy(3).delay_seconds(1) == 0.0
    with pytest.raises(ValueError, match="0"):
        strategy.delay_seconds(0)


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"base": timedelta(seconds=-1)}, ValueError, "days=-1"),
        ({"base": timedelta(seconds=1), "factor": 0.5}, ValueError, "0.5"),
        ({"base": timedelta(seconds=1), "factor": "2"}, ValueError, "'2'"),
        ({"base": timedelta(seconds=1), "factor": 2.0}, ValueError, "2.0"),  # unbounded without a cap
        ({"base": timedelta(seconds=1), "cap": timedelta(seconds=-1)}, ValueError, "days=-1"),
        ({"base": 1}, TypeError, "1"),
        ({"base": timedelta(seconds=1), "cap": 5}, TypeError, "5"),
    ],
)
def test_backoff_validation(kwargs: dict[str, object], error: type[Exception], named: str) -> None:
    with pytest.raises(error) as info:
        Backoff(**kwargs)
    assert named in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"count": -1}, ValueError, "-1"),
        ({"count": "3"}, ValueError, "'3'"),
        ({"count": 3, "backoff": 5}, TypeError, "5"),
    ],
)
def test_retry_strategy_validation(kwargs: dict[str, object], error: type[Exception], named: str) -> None:
    with pytest.raises(error) as info:
        RetryStrategy(**kwargs)
    assert named in str(info.value)


def test_backoff_is_immutable() -> None:
    from dataclasses import FrozenInstanceError

    backoff = Backoff(base=timedelta(seconds=1))
    with pytest.raises(FrozenInstanceError):
        backoff.factor = 3.0  # the delay schedule must not change under a running retry loop
