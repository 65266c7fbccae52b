"""Which warm replicas a pool stops: idle past ``idle_ttl``, longest idle first, never below
``min_replicas``, never one that runs something or is still starting."""

from __future__ import annotations

from dataclasses import dataclass, field

from flyte._internal import wire
from flyte.server.executors.pool import idle_past_ttl


@dataclass
class _Replica:
    idle_since: float
    running: set[str] = field(default_factory=set)
    ready: bool = True


def test_idle_replicas_past_their_ttl_stop_down_to_the_minimum() -> None:
    reuse = wire.ReuseSpec(min_replicas=1, max_replicas=4, concurrency=1, idle_ttl_s=10)
    replicas = {
        "old": _Replica(idle_since=0),
        "older": _Replica(idle_since=-5),
        "recent": _Replica(idle_since=95),
        "busy": _Replica(idle_since=0, running={"w1"}),
    }
    assert idle_past_ttl(replicas, reuse, now=100) == ["older", "old"]
    replicas["busy"].running.clear()
    assert idle_past_ttl(replicas, reuse, now=100) == ["older", "old", "busy"]  # "recent" is the one kept


def test_a_starting_replica_is_never_stopped_and_the_minimum_holds() -> None:
    reuse = wire.ReuseSpec(min_replicas=2, max_replicas=2, concurrency=1, idle_ttl_s=1)
    replicas = {"a": _Replica(idle_since=0), "b": _Replica(idle_since=0, ready=False)}
    assert idle_past_ttl(replicas, reuse, now=100) == []
    assert idle_past_ttl(
        {"a": _Replica(idle_since=0)},
        wire.ReuseSpec(min_replicas=0, max_replicas=1, concurrency=1, idle_ttl_s=1),
        now=100,
    ) == ["a"]
