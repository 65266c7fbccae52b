"""App parameters: named values (strings, files, directories, other apps' endpoints, run outputs)
handed to an app's server function and, optionally, put in an environment variable."""

from __future__ import annotations

import json
import os
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Optional, Union

if TYPE_CHECKING:
    from flyte.io import Dir, File

ParameterType = Literal["string", "file", "directory", "app_endpoint"]

RUNTIME_PARAMETERS_FILE = "flyte-parameters.json"
"""The environment variable naming the JSON file of an app process's parameter values."""

_ENV_NAME = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9]*$")

# The parameter values of the app served in this thread (and the tasks its loop spawns); an app
# run as a subprocess finds them in the file named by RUNTIME_PARAMETERS_FILE instead.
_current_parameters: ContextVar[dict[str, str] | None] = ContextVar("flyte_app_parameters", default=None)


@dataclass(kw_only=True)
class RunOutput:
    """An app parameter taken from the output of a run: the run ``run_name``, or the latest
    successful run of ``task_name`` (at ``task_version``, or the version ``task_auto_version``
    picks). ``getter`` indexes into the outputs. Resolving it needs a server."""

    type: ParameterType
    run_name: str | None = None
    task_name: str | None = None
    task_version: str | None = None
    task_auto_version: Literal["latest", "current"] | None = None
    getter: tuple[Any, ...] = (0,)

    def __post_init__(self) -> None:
        if (self.run_name is None) == (self.task_name is None):
            raise ValueError("RunOutput takes exactly one of run_name or task_name")
        if self.type == "app_endpoint":
            raise ValueError("RunOutput cannot have type 'app_endpoint'")


@dataclass(kw_only=True)
class ArtifactValue:
    """An app parameter taken from the published artifact ``name`` (at ``version``, else the
    latest), a file or a directory. Resolving it needs a server."""

    name: str
    version: str | None = None
    project: str | None = None
    domain: str | None = None
    type: ParameterType | None = None

    def __post_init__(self) -> None:
        if self.type is not None and self.type not in ("file", "directory"):
            raise ValueError(f"ArtifactValue {self.name!r}: type must be 'file' or 'directory', got {self.type!r}")


@dataclass(kw_only=True)
class AppEndpoint:
    """An app parameter holding the endpoint of the app ``app_name`` (its ``public`` URL or the
    in-cluster one). Served locally, it is the URL of that app served in this process."""

    app_name: str
    public: bool = False
    type: Literal["string"] = "string"


ParameterValue = Union[str, "File", "Dir", RunOutput, ArtifactValue, AppEndpoint]


@dataclass
class Parameter:
    """A named input of an app.

    ``value`` is a string, a ``flyte.io.File``/``Dir``, a :class:`RunOutput`,
    :class:`ArtifactValue` or :class:`AppEndpoint`; ``None`` means it is given when serving
    (``flyte.with_servecontext(parameter_values=...)``). ``env_var`` also puts the value in that
    environment variable; ``download``, ``mount`` and ``ignore_patterns`` say how a file or
    directory is made available to a deployed app.
    """

    name: str
    value: Optional[ParameterValue] = None
    type: Optional[ParameterType] = None
    env_var: Optional[str] = None
    download: bool = True
    mount: Optional[str] = None
    ignore_patterns: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        from flyte.io import Dir, File

        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Parameter name must be a non-empty string, got {self.name!r}")
        if self.env_var is not None and not _ENV_NAME.match(self.env_var):
            raise ValueError(f"Parameter '{self.name}': env_var {self.env_var!r} is not a valid environment name")
        allowed = (str, File, Dir, RunOutput, ArtifactValue, AppEndpoint)
        if self.value is not None and not isinstance(self.value, allowed):
            raise TypeError(
                f"Parameter '{self.name}': value must be a str, File, Dir, RunOutput, ArtifactValue or "
                f"AppEndpoint, got {type(self.value).__name__}"
            )


def get_parameter(name: str) -> str:
    """The value of the parameter ``name`` of the app running here.

    Raises:
        ValueError: no app parameters are available here (not inside an app).
        KeyError: the app has no parameter ``name``.
    """
    values = _current_parameters.get()
    if values is None:
        path = os.environ.get(RUNTIME_PARAMETERS_FILE)
        if path is None:
            raise ValueError(f"Cannot get app parameter '{name}': no app parameters are available here")
        with open(path, encoding="utf-8") as f:
            values = json.load(f)
    if name not in values:
        raise KeyError(f"The app has no parameter '{name}' (it has: {', '.join(sorted(values)) or 'none'})")
    return values[name]
