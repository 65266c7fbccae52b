"""``flyte.app.ctx()``: what an app's code may know about where it is served."""

from __future__ import annotations

import os
from contextvars import ContextVar
from dataclasses import dataclass

from flyte._serve import ServeMode

RUN_MODE_ENV = "_RUN_MODE"
"""Set to ``local`` in the environment of an app started as a local subprocess."""
RAW_DATA_PATH_ENV = "_FLYTE_APP_RAW_DATA_PATH"

# Set in the thread serving a local app (and inherited by the tasks its loop spawns), so apps
# served in this process see their own settings without changing os.environ for everyone.
_local_app_context: ContextVar[AppContext | None] = ContextVar("flyte_local_app_context", default=None)


@dataclass(frozen=True)
class AppContext:
    """Where an app runs: ``mode`` (``"local"`` or ``"remote"``), its project, domain and the
    path where it may write data."""

    mode: ServeMode = "remote"
    project: str = ""
    raw_data_path: str = ""
    domain: str = ""


def ctx() -> AppContext:
    """The context of the app running here; outside a locally served app, what the process
    environment says (``mode="remote"`` unless told otherwise)."""
    local = _local_app_context.get()
    if local is not None:
        return local
    mode: ServeMode = "local" if os.environ.get(RUN_MODE_ENV) == "local" else "remote"
    return AppContext(
        mode=mode,
        project=os.environ.get("FLYTE_INTERNAL_EXECUTION_PROJECT", ""),
        domain=os.environ.get("FLYTE_INTERNAL_EXECUTION_DOMAIN", ""),
        raw_data_path=os.environ.get(RAW_DATA_PATH_ENV, ""),
    )
