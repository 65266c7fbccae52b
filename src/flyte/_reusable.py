"""Reusable environments: a pool of warm worker processes that run many actions each."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, Union

__all__ = ["ReusePolicy"]

logger = logging.getLogger("flyte")

# Below this a replica would be torn down while its next action is still being scheduled.
_MIN_TTL = timedelta(seconds=30)


def _ttl(field: str, value: object) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, (int, timedelta)):
        raise ValueError(f"{field} must be an int (seconds) or a timedelta, got {type(value).__name__}: {value!r}")
    ttl = value if isinstance(value, timedelta) else timedelta(seconds=value)
    if ttl < _MIN_TTL:
        raise ValueError(f"{field} must be at least 30 seconds, got {value!r}")
    return ttl


@dataclass
class ReusePolicy:
    """Keep an environment's workers alive between actions instead of starting one per action.

    ``replicas`` is a fixed pool size or a ``(min, max)`` range to scale in; ``idle_ttl`` is how
    long a replica with nothing to do survives, ``scaledown_ttl`` how long the pool waits before
    shrinking (both at least 30 seconds; an int means seconds, stored as a ``timedelta``).
    ``concurrency`` is how many actions one replica runs at once. ``scope="run"`` gives each run
    its own pool; ``"global"`` shares one pool across runs. Bad values raise ``ValueError``.
    """

    replicas: Union[int, tuple[int, int]] = 2
    idle_ttl: Union[int, timedelta] = 30
    concurrency: int = 1
    scaledown_ttl: Union[int, timedelta] = 30
    scope: Literal["global", "run"] = "global"

    def __post_init__(self) -> None:
        self.replicas = self._check_replicas(self.replicas)
        self.idle_ttl = _ttl("idle_ttl", self.idle_ttl)
        self.scaledown_ttl = _ttl("scaledown_ttl", self.scaledown_ttl)
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int) or self.concurrency < 1:
            raise ValueError(f"concurrency must be an int of at least 1, got {self.concurrency!r}")
        if self.scope not in ("global", "run"):
            raise ValueError(f'scope must be "global" or "run", got {self.scope!r}')
        if self.max_replicas == 1 and self.concurrency == 1:
            # A parent waiting on children in the same pool would hold the only slot forever.
            logger.warning(
                "ReusePolicy with one replica and concurrency 1 can starve: a task waiting on another "
                "task of the same environment holds the only slot. Use 2+ replicas or higher concurrency."
            )

    @staticmethod
    def _check_replicas(replicas: object) -> tuple[int, int]:
        if isinstance(replicas, int) and not isinstance(replicas, bool):
            bounds = (replicas, replicas)
        elif (
            isinstance(replicas, tuple)
            and len(replicas) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in replicas)
        ):
            bounds = (replicas[0], replicas[1])
        else:
            raise ValueError(f"replicas must be an int or a tuple of two ints, got {replicas!r}")
        if bounds[0] < 0:
            raise ValueError(f"replicas min must be greater than or equal to 0, got {bounds[0]}")
        if bounds[0] > bounds[1]:
            raise ValueError(f"replicas min ({bounds[0]}) must be less than or equal to max ({bounds[1]})")
        return bounds

    @property
    def min_replicas(self) -> int:
        """The fewest replicas the pool scales down to."""
        return self.replicas[0] if isinstance(self.replicas, tuple) else self.replicas

    @property
    def max_replicas(self) -> int:
        """The most replicas the pool scales up to."""
        return self.replicas[1] if isinstance(self.replicas, tuple) else self.replicas

    def get_scaledown_ttl(self) -> timedelta:
        """How long the pool waits before removing an unneeded replica."""
        return (
            self.scaledown_ttl if isinstance(self.scaledown_ttl, timedelta) else timedelta(seconds=self.scaledown_ttl)
        )
