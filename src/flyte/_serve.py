"""``flyte.serve`` and ``flyte.with_servecontext``: start an app environment and get a handle on it.

Apps are served on this machine: the server function on a background thread, or the app's
``command``/``args`` as a child process. Serving on a server is refused, as this server does not
host apps yet.
"""

from __future__ import annotations

import pathlib
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import TYPE_CHECKING, Literal, Mapping, Optional, Protocol, Union, runtime_checkable

from flyte._init_options import LogFormat
from flyte._syncify import syncify

if TYPE_CHECKING:
    from flyte.app import AppEnvironment
    from flyte.app._local import LocalServeOptions
    from flyte.errors import DeploymentError
    from flyte.io import Dir, File

ServeMode = Literal["local", "remote"]
CopyFiles = Literal["loaded_modules", "all", "none", "custom"]

_DEFAULT_RAW_DATA_PATH = "/tmp/flyte/raw_data"


@runtime_checkable
class AppHandle(Protocol):
    """What serving an app returns, locally or on a server: its name and URL, whether it is
    up, and how to start and stop it."""

    @property
    def name(self) -> str:
        """The app's name."""
        ...

    @property
    def url(self) -> str:
        """Where a person opens the app."""
        ...

    @property
    def endpoint(self) -> str:
        """Where programs call the app."""
        ...

    def is_active(self) -> bool:
        """Whether the app answers requests."""
        ...

    def is_deactivated(self) -> bool:
        """Whether the app is stopped."""
        ...

    def activate(self, wait: bool = False) -> AppHandle:
        """Starts the app; with ``wait``, until it is active."""
        ...

    def deactivate(self, wait: bool = False) -> AppHandle:
        """Stops the app; with ``wait``, until it is stopped."""
        ...

    def ephemeral_ctx(self) -> AbstractAsyncContextManager[None]:
        """Async context manager: the app is active inside and stopped on exit."""
        ...

    def ephemeral_ctx_sync(self) -> AbstractContextManager[None]:
        """Context manager: the app is active inside and stopped on exit."""
        ...


def remote_serving_unsupported(app_name: str) -> DeploymentError:
    """The error for serving (or reaching) the app ``app_name`` on a server."""
    from flyte.errors import DeploymentError

    return DeploymentError(
        f"Cannot serve app '{app_name}' remotely: this server does not host apps yet; "
        "serve it locally with flyte.with_servecontext(mode='local')"
    )


def _default_mode() -> ServeMode:
    from flyte._initialize import get_init_state, is_initialized

    return "remote" if is_initialized() and not get_init_state().is_local else "local"


class _Serve:
    """Settings for serving apps, made by :func:`with_servecontext`; :meth:`serve` uses them."""

    def __init__(
        self,
        mode: ServeMode | None = None,
        *,
        version: Optional[str] = None,
        copy_style: CopyFiles = "loaded_modules",
        dry_run: bool = False,
        project: str | None = None,
        domain: str | None = None,
        env_vars: dict[str, str] | None = None,
        parameter_values: Mapping[str, Mapping[str, Union[str, File, Dir]]] | None = None,
        cluster_pool: str | None = None,
        cluster: str | None = None,
        log_level: int | None = None,
        log_format: LogFormat = "console",
        user_log_level: int | None = None,
        interactive_mode: bool | None = None,
        copy_bundle_to: pathlib.Path | None = None,
        deactivate_timeout: float | None = None,
        activate_timeout: float | None = None,
        health_check_timeout: float | None = None,
        health_check_interval: float | None = None,
        health_check_path: str | None = None,
        raw_data_path: str | None = None,
    ) -> None:
        if mode not in (None, "local", "remote"):
            raise ValueError(f"with_servecontext: mode must be 'local' or 'remote', got {mode!r}")
        if cluster and cluster_pool and cluster_pool != "default":
            raise ValueError(
                f"with_servecontext: 'cluster' ({cluster!r}) and 'cluster_pool' ({cluster_pool!r}) are mutually "
                "exclusive; set only one"
            )
        for label, value in (
            ("deactivate_timeout", deactivate_timeout),
            ("activate_timeout", activate_timeout),
            ("health_check_timeout", health_check_timeout),
            ("health_check_interval", health_check_interval),
        ):
            if value is not None and value <= 0:
                raise ValueError(f"with_servecontext: {label} must be positive, got {value}")
        if health_check_path is not None and not health_check_path.startswith("/"):
            raise ValueError(f"with_servecontext: health_check_path must start with '/', got {health_check_path!r}")
        if env_vars is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in env_vars.items()):
            raise TypeError("with_servecontext: env_vars must map strings to strings")
        self._mode = mode
        self.version = version
        self.copy_style = copy_style
        self.dry_run = dry_run
        self.project = project
        self.domain = domain
        self.env_vars = dict(env_vars or {})
        self.parameter_values = {name: dict(values) for name, values in (parameter_values or {}).items()}
        self.cluster_pool = cluster_pool
        self.cluster = cluster
        self.log_level = log_level
        self.log_format = log_format
        self.user_log_level = user_log_level
        self.interactive_mode = interactive_mode
        self.copy_bundle_to = copy_bundle_to
        self.deactivate_timeout = deactivate_timeout
        self.activate_timeout = activate_timeout
        self.health_check_timeout = health_check_timeout
        self.health_check_interval = health_check_interval
        self.health_check_path = health_check_path
        self.raw_data_path = raw_data_path

    @property
    def mode(self) -> ServeMode:
        """``"local"`` or ``"remote"``; when not given, remote if an endpoint is configured."""
        return self._mode or _default_mode()

    @syncify
    async def serve(self, app_env: AppEnvironment) -> AppHandle:
        """Starts ``app_env`` in the background and returns its handle at once; call
        ``activate(wait=True)`` on it to wait until it answers.

        Raises:
            TypeError: ``app_env`` is not an ``AppEnvironment``.
            flyte.errors.DeploymentError: serving remotely, or the app cannot start locally.
            flyte.errors.ParameterMaterializationError: a parameter has no local value.
        """
        from flyte.app import AppEnvironment
        from flyte.app._local import LocalApp

        if not isinstance(app_env, AppEnvironment):
            raise TypeError(f"serve takes a flyte.app.AppEnvironment, got {type(app_env).__name__}")
        unknown = sorted(set(self.parameter_values) - {app_env.name, *_dependency_names(app_env)})
        if unknown:
            raise ValueError(f"with_servecontext: parameter_values names apps that are not served here: {unknown}")
        if self.mode == "remote":
            raise remote_serving_unsupported(app_env.name)
        app = LocalApp(app_env, self._local_options())
        app.start()
        return app

    def _local_options(self) -> LocalServeOptions:
        from flyte._initialize import get_init_state, is_initialized
        from flyte.app._context import AppContext
        from flyte.app._local import LocalServeOptions

        state = get_init_state() if is_initialized() else None
        defaults = LocalServeOptions()
        return LocalServeOptions(
            deactivate_timeout=self.deactivate_timeout or defaults.deactivate_timeout,
            activate_timeout=self.activate_timeout or defaults.activate_timeout,
            health_check_timeout=self.health_check_timeout or defaults.health_check_timeout,
            health_check_interval=self.health_check_interval or defaults.health_check_interval,
            health_check_path=self.health_check_path or defaults.health_check_path,
            env_vars=self.env_vars,
            parameter_values=self.parameter_values,
            context=AppContext(
                mode="local",
                project=self.project or (state.project if state else ""),
                domain=self.domain or (state.domain if state else ""),
                raw_data_path=self.raw_data_path or _DEFAULT_RAW_DATA_PATH,
            ),
        )


def _dependency_names(app_env: AppEnvironment) -> list[str]:
    return [dep.name for dep in app_env.depends_on]


def with_servecontext(
    mode: ServeMode | None = None,
    *,
    version: Optional[str] = None,
    copy_style: CopyFiles = "loaded_modules",
    dry_run: bool = False,
    project: str | None = None,
    domain: str | None = None,
    env_vars: dict[str, str] | None = None,
    parameter_values: Mapping[str, Mapping[str, Union[str, File, Dir]]] | None = None,
    cluster_pool: str | None = None,
    cluster: str | None = None,
    log_level: int | None = None,
    log_format: LogFormat = "console",
    user_log_level: int | None = None,
    interactive_mode: bool | None = None,
    copy_bundle_to: pathlib.Path | None = None,
    deactivate_timeout: float | None = None,
    activate_timeout: float | None = None,
    health_check_timeout: float | None = None,
    health_check_interval: float | None = None,
    health_check_path: str | None = None,
    raw_data_path: str | None = None,
) -> _Serve:
    """Settings for serving an app; call ``.serve(app_env)`` on the result.

    ``mode`` is ``"local"`` (serve on this machine) or ``"remote"``; by default remote when an
    endpoint is configured, else local. Locally: ``env_vars`` are set for the app,
    ``parameter_values`` (app name -> parameter name -> value) override its parameters,
    ``activate_timeout``/``deactivate_timeout`` (seconds, default 60/6) bound
    ``activate(wait=True)``/``deactivate(wait=True)``, the health check GETs
    ``health_check_path`` (default ``/health``; any status below 500 counts) every
    ``health_check_interval`` seconds at most, and ``project``, ``domain`` and ``raw_data_path``
    are what ``flyte.app.ctx()`` tells the app. ``version``, ``copy_style``, ``dry_run``,
    ``cluster_pool``, ``cluster``, the log settings, ``interactive_mode`` and ``copy_bundle_to``
    concern deploying to a server.

    Raises:
        ValueError: a bad setting (the message names it).
    """
    return _Serve(
        mode,
        version=version,
        copy_style=copy_style,
        dry_run=dry_run,
        project=project,
        domain=domain,
        env_vars=env_vars,
        parameter_values=parameter_values,
        cluster_pool=cluster_pool,
        cluster=cluster,
        log_level=log_level,
        log_format=log_format,
        user_log_level=user_log_level,
        interactive_mode=interactive_mode,
        copy_bundle_to=copy_bundle_to,
        deactivate_timeout=deactivate_timeout,
        activate_timeout=activate_timeout,
        health_check_timeout=health_check_timeout,
        health_check_interval=health_check_interval,
        health_check_path=health_check_path,
        raw_data_path=raw_data_path,
    )


@syncify
async def serve(app_env: AppEnvironment) -> AppHandle:
    """Serves ``app_env`` with the default settings (see :func:`with_servecontext`) and returns
    its handle; the app starts in the background.

    Raises:
        flyte.errors.DeploymentError: an endpoint is configured (this server does not host apps
            yet), or the app cannot start locally.
    """
    handle: AppHandle = await _Serve().serve.aio(app_env)
    return handle
