"""flyte.remote: the runs of a flyte server, from Python.

The module is also callable, as the notebook examples of Flyte use it::

    remote = flyte.remote()
    runs = remote.list_runs()
    run = remote.get_run(run_id)
    logs = run.download_logs()

It talks to the server that ``flyte.init(endpoint=...)`` (or the config's ``admin.endpoint``)
points at.
"""

from __future__ import annotations

import sys
import types

from flyte.remote._action import Action
from flyte.remote._condition import Condition
from flyte.remote._details import ActionDetails, RunDetails, TimeFilter
from flyte.remote._project import Project
from flyte.remote._run import Run, get_run, list_runs
from flyte.remote._secret import Secret
from flyte.remote._task import Task
from flyte.remote._trigger import Trigger
from flyte.remote._upload import upload_dir, upload_file
from flyte.remote._values import PickledValue

__all__ = [
    "Action",
    "ActionDetails",
    "Condition",
    "PickledValue",
    "Project",
    "Run",
    "RunDetails",
    "Secret",
    "Task",
    "TimeFilter",
    "Trigger",
    "get_run",
    "list_runs",
    "upload_dir",
    "upload_file",
]


class _CallableModule(types.ModuleType):
    """This package's module type: ``flyte.remote()`` gives the module itself."""

    def __call__(self) -> types.ModuleType:
        return self


sys.modules[__name__].__class__ = _CallableModule
