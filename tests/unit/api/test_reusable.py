"""ReusePolicy: normalisation of replicas and TTLs, and validation."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from flyte._reusable import ReusePolicy


def test_defaults() -> None:
    policy = ReusePolicy()
    assert policy.replicas == (2, 2)
    assert policy.idle_ttl == timedelta(seconds=30)
    assert policy.scaledown_ttl == timedelta(seconds=30)
    assert policy.concurrency == 1
    assert policy.scope == "global"
    assert (policy.min_replicas, policy.max_replicas) == (2, 2)
    assert policy.get_scaledown_ttl() == timedelta(seconds=30)


def test_spec_example() -> None:
    policy = ReusePolicy(replicas=2, idle_ttl=300)
    assert policy.idle_ttl == timedelta(minutes=5)
    assert policy.max_replicas == 2


def test_replica_range_and_timedelta_ttls() -> None:
    policy = ReusePolicy(replicas=(1, 3), idle_ttl=timedelta(minutes=1), scaledown_ttl=60, concurrency=4)
    assert (policy.min_replicas, policy.max_replicas) == (1, 3)
    assert policy.idle_ttl == timedelta(minutes=1)
    assert policy.get_scaledown_ttl() == timedelta(minutes=1)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"replicas": (3, 1)}, "(3)"),
        ({"replicas": (1, 2, 3)}, "(1, 2, 3)"),
        ({"replicas": [1, 2]}, "[1, 2]"),
        ({"replicas": "2"}, "'2'"),
        ({"replicas": -1}, "-1"),
        ({"idle_ttl": 29}, "29"),
        ({"idle_ttl": timedelta(seconds=5)}, "seconds=5"),
        ({"idle_ttl": None}, "None"),
        ({"scaledown_ttl": 0}, "0"),
        ({"concurrency": 0}, "0"),
        ({"scope": "cluster"}, "'cluster'"),
    ],
)
def test_invalid_values_raise_naming_them(kwargs: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError) as info:
        ReusePolicy(**kwargs)
    assert named in str(info.value)


@pytest.mark.parametrize(
    ("replicas", "concurrency", "warns"),
    [(1, 1, True), ((0, 1), 1, True), ((1, 1), 2, False), ((1, 2), 1, False), (2, 1, False)],
)
def test_starvation_warning(
    caplog: pytest.LogCaptureFixture, replicas: int | tuple[int, int], concurrency: int, warns: bool
) -> None:
    with caplog.at_level(logging.WARNING, logger="flyte"):
        ReusePolicy(replicas=replicas, concurrency=concurrency)
    assert ("starve" in caplog.text) is warns
