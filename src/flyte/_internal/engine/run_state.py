"""What every action of one local run shares: identity, options, store, loop and counters."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Mapping

from flyte._internal.engine.controller import Controller
from flyte._internal.engine.recorder import Recorder
from flyte._internal.model.progress import RunProgress


@dataclass
class RunOptions:
    """The per-run settings given through :func:`flyte.with_runcontext`."""

    overwrite_cache: bool = False
    disable_run_cache: bool = False
    env_vars: Mapping[str, str] = field(default_factory=dict)
    custom_context: Mapping[str, str] = field(default_factory=dict)
    max_action_concurrency: int | None = None
    interactive_mode: bool = False
    version: str | None = None
    signals: Mapping[str, str] = field(default_factory=dict)
    """Values of conditions by name, given up front (``--signal NAME=VALUE``)."""


@dataclass
class RunState:
    """One local run in flight. Created by the runner, read by every action of the run."""

    name: str
    project: str
    domain: str
    org: str | None
    mode: str
    store: Recorder
    loop: asyncio.AbstractEventLoop
    loop_thread: int
    sync_pool: ThreadPoolExecutor
    progress: RunProgress
    base_dir: Path
    raw_data_path: str
    options: RunOptions
    started_at: datetime
    controller: Controller
    # Outputs of traces that ended in an earlier execution of this action, by action name: a
    # parent that runs again gets them back instead of calling the traced function again.
    recorded_traces: Mapping[str, bytes] = field(default_factory=dict)

    def on_loop_thread(self) -> bool:
        """True when called from the thread running this run's event loop."""
        return threading.get_ident() == self.loop_thread
