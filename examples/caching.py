"""Caching: the three cache modes, and the ``flyte.Cache`` object behind them.

Each cached task returns a fresh token, so a second call that returns the *same* token was served
from the cache. ``main`` calls every task twice with the same input and reports, per mode, whether
the second call reused the first result. Run it with ``flyte run --local examples/caching.py main``
or ``python examples/caching.py``; cached results are kept between runs in the local database.
"""

import uuid

import flyte

env = flyte.TaskEnvironment(name="caching")


def fresh_token(x: int) -> str:
    """A value that differs on every call, to tell a computed result from a cached one."""
    return f"{x}-{uuid.uuid4().hex}"


# Auto caching (recommended for most cases): the version is computed from the function's code.
@env.task(cache="auto")
def auto_cached(x: int) -> str:
    """Cached; the cache version follows the function body."""
    return fresh_token(x)


# Manual cache version control: results are reused until you change the version.
@env.task(cache="override", cache_version="v1.2")
def override_cached(x: int) -> str:
    """Cached under the version ``v1.2``, whatever the code looks like."""
    return fresh_token(x)


# Disable caching (default).
@env.task(cache="disable")
def never_cached(x: int) -> str:
    """Never cached: computed on every call."""
    return fresh_token(x)


# The same as override_cached, written with the SDK's Cache object.
@env.task(cache=flyte.Cache(behavior="override", version_override="v1.2"))
def sdk_override_cached(x: int) -> str:
    """Cached under ``v1.2`` through ``flyte.Cache``."""
    return fresh_token(x)


@env.task
def main(x: int = 7) -> dict[str, bool]:
    """Call each task twice with ``x``; True means the second call came from the cache."""
    tasks = {
        "auto": auto_cached,
        "override": override_cached,
        "disable": never_cached,
        "sdk_override": sdk_override_cached,
    }
    return {mode: task(x) == task(x) for mode, task in tasks.items()}


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
