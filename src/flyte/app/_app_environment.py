"""``AppEnvironment``: a long-running server (an API, a dashboard, a model server) declared next to tasks."""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, TypeVar, Union

from flyte._environment import Environment
from flyte._image import Image
from flyte._resources import Resources
from flyte._secret import SecretRequest
from flyte.app._parameter import Parameter
from flyte.app._types import RESERVED_APP_PORTS, Domain, Link, Port, Scaling, Timeouts

_APP_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")

INTERNAL_APP_ENDPOINT_PATTERN_ENV_VAR = "INTERNAL_APP_ENDPOINT_PATTERN"
"""Inside a cluster: the pattern (with ``{app_fqdn}``) of the in-cluster URL of an app."""

F = TypeVar("F", bound=Callable[..., Any])

# The decorated hooks are not constructor arguments, so clone_with carries them over by hand.
_HOOKS = ("_server", "_on_startup", "_on_shutdown")


def _as_argv(value: Union[List[str], str]) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else list(value)


@dataclass(init=True, repr=True, eq=False)
class AppEnvironment(Environment):
    """An app: a server process with its image, resources, port and scaling.

    The process is the function decorated with :meth:`server` (with :meth:`on_startup` and
    :meth:`on_shutdown` around it), or ``command``/``args``. ``port`` (default 8080; 8012, 8022,
    8112, 9090 and 9091 are reserved) is where it listens. ``parameters`` are handed to the
    server function by name. ``name`` must be lowercase letters, digits and ``-``, starting and
    ending with a letter or digit. Serve it with ``flyte.serve(app_env)``.
    """

    type: Optional[str] = None
    port: int | Port = 8080
    args: Optional[Union[List[str], str]] = None
    command: Optional[Union[List[str], str]] = None
    requires_auth: bool = True
    scaling: Scaling = field(default_factory=Scaling)
    domain: Domain | None = field(default_factory=Domain)
    links: List[Link] = field(default_factory=list)
    parameters: List[Parameter] = field(default_factory=list)
    cluster_pool: str = "default"
    cluster: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)

    _server: Callable[..., Any] | None = field(init=False, default=None, repr=False)
    _on_startup: Callable[..., Any] | None = field(init=False, default=None, repr=False)
    _on_shutdown: Callable[..., Any] | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("AppEnvironment needs a name")
        if not isinstance(self.name, str) or not _APP_NAME.fullmatch(self.name):
            raise ValueError(
                f"App name '{self.name}' must consist of lower case letters, digits or '-', "
                "and must start and end with a letter or digit"
            )
        super().__post_init__()
        self._validate()

    def _validate(self) -> None:
        where = f"AppEnvironment '{self.name}'"
        if isinstance(self.port, bool) or not isinstance(self.port, (int, Port)):
            raise TypeError(f"{where}: port must be an int or a flyte.app.Port, got {self.port!r}")
        if isinstance(self.port, int):
            if self.port in RESERVED_APP_PORTS:
                raise ValueError(f"{where}: port {self.port} is reserved and cannot be used")
            self.port = Port(port=self.port)
        for attr in ("args", "command"):
            value = getattr(self, attr)
            if value is not None and not (
                isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
            ):
                raise TypeError(f"{where}: {attr} must be a string or a list of strings, got {value!r}")
        if not isinstance(self.scaling, Scaling):
            raise TypeError(f"{where}: scaling must be a flyte.app.Scaling, got {type(self.scaling).__name__}")
        if not isinstance(self.domain, (Domain, type(None))):
            raise TypeError(f"{where}: domain must be a flyte.app.Domain or None, got {type(self.domain).__name__}")
        for link in self.links:
            if not isinstance(link, Link):
                raise TypeError(f"{where}: links must be flyte.app.Link objects, got {link!r}")
        if not isinstance(self.timeouts, Timeouts):
            raise TypeError(f"{where}: timeouts must be a flyte.app.Timeouts, got {type(self.timeouts).__name__}")
        names: set[str] = set()
        for parameter in self.parameters:
            if not isinstance(parameter, Parameter):
                raise TypeError(f"{where}: parameters must be flyte.app.Parameter objects, got {parameter!r}")
            if parameter.name in names:
                raise ValueError(f"{where}: parameter '{parameter.name}' is declared twice")
            names.add(parameter.name)
        if self.cluster and self.cluster_pool and self.cluster_pool != "default":
            raise ValueError(
                f"{where}: 'cluster' ({self.cluster!r}) and 'cluster_pool' ({self.cluster_pool!r}) are "
                "mutually exclusive; set only one"
            )
        if self.parameters and self.command is not None and _as_argv(self.command)[:1] != ["fserve"]:
            raise ValueError(
                f"{where}: 'parameters' cannot be used with a custom 'command' (only with one starting with "
                "'fserve'); use 'args' or an @app_env.server function instead"
            )

    def on_startup(self, fn: F) -> F:
        """Decorator: ``fn`` (sync or async) runs before the server function, with the
        parameters its signature names."""
        self._on_startup = fn
        return fn

    def server(self, fn: F) -> F:
        """Decorator: ``fn`` (sync or async) is the app's server; it receives the parameters its
        signature names (all of them if it takes ``**kwargs``) and runs until the app stops."""
        self._server = fn
        return fn

    def on_shutdown(self, fn: F) -> F:
        """Decorator: ``fn`` (sync or async) runs after the server function returns or is stopped."""
        self._on_shutdown = fn
        return fn

    def get_port(self) -> Port:
        """The port the app listens on."""
        if isinstance(self.port, int):
            self.port = Port(port=self.port)
        return self.port

    def container_args(self) -> list[str]:
        """The ``args`` of the app process as a list."""
        return [] if self.args is None else _as_argv(self.args)

    def local_command(self) -> list[str] | None:
        """The command line that starts the app when it has no server function: ``command``,
        else ``args``; ``None`` when neither is set."""
        if self.command is not None:
            return _as_argv(self.command)
        if self.args is not None:
            return _as_argv(self.args)
        return None

    @property
    def endpoint(self) -> str:
        """The URL of the app: ``http://localhost:<port>`` when it is served locally (or code runs
        in a local run), the in-cluster URL inside a cluster.

        Raises:
            flyte.errors.DeploymentError: an endpoint is configured; this server does not host apps yet.
        """
        import flyte
        from flyte._initialize import get_init_state, is_initialized
        from flyte.app._context import ctx as app_ctx
        from flyte.app._local import local_app_named

        served = local_app_named(self.name)
        if served is not None:
            return served.endpoint
        task_ctx = flyte.ctx()
        if (task_ctx is not None and task_ctx.mode == "local") or app_ctx().mode == "local":
            return f"http://localhost:{self.get_port().port}"
        pattern = os.environ.get(INTERNAL_APP_ENDPOINT_PATTERN_ENV_VAR)
        if pattern is not None:
            return pattern.format(app_fqdn=self.name)
        if not is_initialized() or get_init_state().is_local:
            return f"http://localhost:{self.get_port().port}"
        from flyte._serve import remote_serving_unsupported

        raise remote_serving_unsupported(self.name)

    def clone_with(
        self,
        name: str,
        image: Optional[Union[str, Image]] = None,
        resources: Optional[Resources] = None,
        env_vars: Optional[dict[str, str]] = None,
        secrets: Optional[SecretRequest] = None,
        depends_on: Optional[List[Environment]] = None,
        description: Optional[str] = None,
        interruptible: Optional[bool] = None,
        service_account: Optional[str] = None,
        **kwargs: Any,
    ) -> AppEnvironment:
        """A copy of this app with a new name and some settings replaced (any constructor
        argument; ``None`` keeps the current value); the decorated server and hooks are kept.

        Raises:
            TypeError: an argument that is not a setting of this app.
        """
        named = {
            "image": image,
            "resources": resources,
            "env_vars": env_vars,
            "secrets": secrets,
            "depends_on": depends_on,
            "description": description,
            "interruptible": interruptible,
            "service_account": service_account,
        }
        kwargs = {**{k: v for k, v in named.items() if v is not None}, **kwargs}
        settable = {f.name for f in dataclasses.fields(self) if f.init}
        unknown = sorted(set(kwargs) - settable)
        if unknown:
            raise TypeError(f"AppEnvironment '{self.name}'.clone_with: unknown settings {unknown}")
        if "include" in kwargs and not isinstance(kwargs["include"], tuple):
            kwargs["include"] = tuple(kwargs["include"])
        clone = dataclasses.replace(self, name=name, **kwargs)
        for hook in _HOOKS:
            if getattr(clone, hook) is None:
                setattr(clone, hook, getattr(self, hook))
        return clone
