"""Serving an app on this machine: the handle of a locally served app, and the registry that
stops every one of them when the interpreter exits."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import errno
import http.client
import os
import socket
import threading
import time
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, AsyncIterator, Iterator, Mapping, Union

from flyte._logging import system_logger
from flyte._syncify import syncify
from flyte.app._context import AppContext
from flyte.app._parameter import AppEndpoint, ArtifactValue, RunOutput
from flyte.app._runner import ProcessRunner, ThreadRunner, app_env_vars, write_parameters_file
from flyte.errors import DeploymentError, ParameterMaterializationError

if TYPE_CHECKING:
    from flyte.app._app_environment import AppEnvironment
    from flyte.io import Dir, File

LOCAL_HOST = "localhost"
# The interface a local app's port is checked on; apps served here should bind it.
_BIND_HOST = "127.0.0.1"

_active: list[LocalApp] = []
_active_lock = threading.Lock()
_atexit_registered = False


@dataclass(frozen=True)
class LocalServeOptions:
    """How apps are served locally: time limits (seconds), the health-check probe, and what the
    app is given (extra environment variables, parameter overrides, its context)."""

    deactivate_timeout: float = 6.0
    activate_timeout: float = 60.0
    health_check_timeout: float = 2.0
    health_check_interval: float = 1.0
    health_check_path: str = "/health"
    env_vars: Mapping[str, str] = field(default_factory=dict)
    parameter_values: Mapping[str, Mapping[str, Union[str, File, Dir]]] = field(default_factory=dict)
    context: AppContext = field(default_factory=lambda: AppContext(mode="local"))


def local_app_named(name: str) -> LocalApp | None:
    """The running local app of that name, the latest one served if several were."""
    with _active_lock:
        for app in reversed(_active):
            if app.name == name and not app.is_deactivated():
                return app
    return None


def _stop_all() -> None:
    with _active_lock:
        apps = list(_active)
    for app in apps:
        with contextlib.suppress(Exception):
            app.stop(wait=True)


def _register(app: LocalApp) -> None:
    global _atexit_registered
    with _active_lock:
        if app not in _active:
            _active.append(app)
        if not _atexit_registered:
            atexit.register(_stop_all)
            _atexit_registered = True


def _unregister(app: LocalApp) -> None:
    with _active_lock:
        if app in _active:
            _active.remove(app)


def materialize_parameters(app_env: AppEnvironment, overrides: Mapping[str, object]) -> dict[str, str]:
    """The string value of each parameter of ``app_env`` for local serving (``overrides`` win).

    Raises:
        ParameterMaterializationError: a parameter has no value, or one only a server can resolve.
    """
    from flyte.io import Dir, File

    unknown = sorted(set(overrides) - {p.name for p in app_env.parameters})
    if unknown:
        raise ParameterMaterializationError(f"App '{app_env.name}' has no parameters {unknown}")
    values: dict[str, str] = {}
    for parameter in app_env.parameters:
        value = overrides.get(parameter.name, parameter.value)
        where = f"Parameter '{parameter.name}' of app '{app_env.name}'"
        if value is None:
            raise ParameterMaterializationError(
                f"{where} has no value: give it one, or pass it in flyte.with_servecontext(parameter_values=...)"
            )
        if isinstance(value, str):
            values[parameter.name] = value
        elif isinstance(value, (File, Dir)):
            values[parameter.name] = value.path
        elif isinstance(value, AppEndpoint):
            upstream = local_app_named(value.app_name)
            if upstream is None:
                raise ParameterMaterializationError(
                    f"{where} needs the endpoint of app '{value.app_name}', which is not served locally"
                )
            values[parameter.name] = upstream.endpoint
        elif isinstance(value, (RunOutput, ArtifactValue)):
            raise ParameterMaterializationError(
                f"{where} is a {type(value).__name__}, which only a server resolves; "
                "override it with flyte.with_servecontext(parameter_values=...) to serve locally"
            )
        else:
            raise ParameterMaterializationError(f"{where} has an unsupported value {value!r}")
    return values


def _check_port_free(app_name: str, port: int) -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # Servers set SO_REUSEADDR too, so a port in TIME_WAIT is not reported as taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((_BIND_HOST, port))
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise DeploymentError(f"Cannot serve app '{app_name}' locally: port {port} is already in use") from e
        raise
    finally:
        probe.close()


class LocalApp:
    """The handle of an app served on this machine (see ``flyte.AppHandle``)."""

    def __init__(self, app_env: AppEnvironment, options: LocalServeOptions) -> None:
        self._app_env = app_env
        self._options = options
        self._port = app_env.get_port().port
        self._runner: ThreadRunner | ProcessRunner | None = None
        self._saved_env: dict[str, str | None] = {}
        self._parameters_file: str | None = None
        # Set by deactivate: activate starts a stopped app again, but not one that failed.
        self._stopped = False

    def __repr__(self) -> str:
        return f"LocalApp(name={self.name!r}, endpoint={self.endpoint!r}, active={not self.is_deactivated()})"

    @property
    def name(self) -> str:
        """The app's name."""
        return self._app_env.name

    @property
    def endpoint(self) -> str:
        """``http://localhost:<port>``."""
        return f"http://{LOCAL_HOST}:{self._port}"

    @property
    def url(self) -> str:
        """The app's URL (its endpoint, locally)."""
        return self.endpoint

    def start(self) -> None:
        """Starts the app in the background unless it runs already; does not wait for it.

        Raises:
            ParameterMaterializationError: a parameter cannot be given a value locally.
            DeploymentError: the port is taken, the app has nothing to run, or its command is not found.
        """
        if self._runner is not None and self._runner.is_alive():
            return
        self._cleanup()
        app_env = self._app_env
        parameters = materialize_parameters(app_env, self._options.parameter_values.get(app_env.name, {}))
        env = {**(app_env.env_vars or {}), **self._options.env_vars}
        env.update({p.env_var: parameters[p.name] for p in app_env.parameters if p.env_var})
        argv = app_env.local_command()
        if app_env._server is None and argv is None:
            raise DeploymentError(
                f"App '{app_env.name}' has nothing to serve: decorate a function with @app_env.server "
                "or give it a command or args"
            )
        _check_port_free(app_env.name, self._port)
        context = self._options.context
        self._parameters_file = write_parameters_file(app_env.name, parameters)
        variables = app_env_vars(env, context, self._parameters_file)
        runner: ThreadRunner | ProcessRunner
        if app_env._server is not None:
            # The server function runs in this process, where request threads it starts do not
            # see its context: the variables are set process-wide, and put back when it stops.
            self._apply_env(variables)
            runner = ThreadRunner(
                app_env.name, app_env._server, app_env._on_startup, app_env._on_shutdown, parameters, context
            )
        else:
            assert argv is not None
            runner = ProcessRunner(app_env.name, argv, {**os.environ, **variables})
        try:
            runner.start()
        except OSError as e:
            self._cleanup()
            program = argv[0] if argv else "?"
            raise DeploymentError(
                f"Cannot serve app '{app_env.name}' locally: cannot run {program}: {e.strerror}"
            ) from e
        self._runner = runner
        self._stopped = False
        _register(self)
        system_logger.info("Serving app '%s' locally at %s", app_env.name, self.endpoint)

    def _apply_env(self, env: Mapping[str, str]) -> None:
        for key, value in env.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def _cleanup(self) -> None:
        """Puts back the variables the app changed and removes its parameters file."""
        if self._parameters_file is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._parameters_file)
            self._parameters_file = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def is_active(self) -> bool:
        """Whether the app answers HTTP on its health-check path (any status below 500)."""
        connection = http.client.HTTPConnection(LOCAL_HOST, self._port, timeout=self._options.health_check_timeout)
        try:
            connection.request("GET", self._options.health_check_path)
            return connection.getresponse().status < 500
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()

    def is_deactivated(self) -> bool:
        """Whether the app's thread or process has ended (or was never started)."""
        return self._runner is None or not self._runner.is_alive()

    def _failure(self) -> DeploymentError | None:
        runner = self._runner
        if runner is None or runner.is_alive():
            return None
        cause = runner.error
        detail = f"{type(cause).__name__}: {cause}" if cause is not None else "it exited"
        error = DeploymentError(f"Local app '{self.name}' stopped before it became active: {detail}")
        error.__cause__ = cause
        return error

    @syncify
    async def activate(self, wait: bool = False) -> LocalApp:
        """Starts the app if it was never started or was deactivated; with ``wait``, until it
        answers its health check.

        Raises:
            DeploymentError: the app could not start, or stopped on its own (its error is the
                cause; deactivate it to start it afresh).
            TimeoutError: it did not answer within the activate timeout.
        """
        if self._runner is None or self._stopped:
            self.start()
        failure = self._failure()
        if failure is not None:
            raise failure
        if not wait:
            return self
        deadline = time.monotonic() + self._options.activate_timeout
        delay = 0.01
        while True:
            if self.is_active():
                return self
            failure = self._failure()
            if failure is not None:
                raise failure
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"Local app '{self.name}' did not answer on {self.endpoint}{self._options.health_check_path} "
                    f"within {self._options.activate_timeout} seconds"
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._options.health_check_interval)

    @syncify
    async def deactivate(self, wait: bool = False) -> LocalApp:
        """Stops the app: with ``wait``, until its thread or process ended (up to the deactivate
        timeout; a process is then killed), else it is only asked to stop."""
        await asyncio.to_thread(self.stop, wait)
        return self

    def stop(self, wait: bool) -> None:
        """What :meth:`deactivate` does, from sync code that cannot run a coroutine (interpreter exit)."""
        runner = self._runner
        if runner is None:
            return
        self._stopped = True
        timeout = self._options.deactivate_timeout if wait else 0.0
        if runner.stop(timeout):
            # Until then it stays registered, so interpreter exit still finishes stopping it.
            _unregister(self)
            self._cleanup()
        elif wait:
            system_logger.warning("Local app '%s' did not stop within %s seconds", self.name, timeout)

    @asynccontextmanager
    async def ephemeral_ctx(self) -> AsyncIterator[None]:
        """Async context manager: the app is active inside, stopped on exit."""
        try:
            await self.activate.aio(wait=True)
            yield
        finally:
            await self.deactivate.aio(wait=True)

    @contextmanager
    def ephemeral_ctx_sync(self) -> Iterator[None]:
        """Context manager: the app is active inside, stopped on exit."""
        try:
            self.activate(wait=True)
            yield
        finally:
            self.deactivate(wait=True)
