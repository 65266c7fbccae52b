"""Running a locally served app in the background: its server function on a daemon thread, or
its ``command``/``args`` as a child process; both can be stopped from another thread."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import inspect
import json
import os
import subprocess
import tempfile
import threading
import time
from contextvars import ContextVar
from typing import Any, Callable, Coroutine, Mapping

from flyte._logging import system_logger
from flyte.app._context import RAW_DATA_PATH_ENV, RUN_MODE_ENV, AppContext, _local_app_context
from flyte.app._parameter import RUNTIME_PARAMETERS_FILE, _current_parameters

# The runner of the app served in this thread, so a server function can register how it is
# stopped gracefully (see on_local_stop).
_current_runner: ContextVar[ThreadRunner | None] = ContextVar("flyte_local_app_runner", default=None)


class _AppStopped(BaseException):
    """Raised inside a sync server function's thread to stop it (BaseException: user code's
    ``except Exception`` must not swallow it)."""


def on_local_stop(callback: Callable[[], None]) -> bool:
    """Registers ``callback`` to be called (from another thread) when the locally served app
    running here is asked to stop; False when no local app runs here."""
    runner = _current_runner.get()
    if runner is None:
        return False
    runner.add_stop_callback(callback)
    return True


def bind_parameters(fn: Callable[..., Any], values: Mapping[str, str]) -> dict[str, str]:
    """The parameter values ``fn`` takes: those its signature names, or all with ``**kwargs``."""
    signature = inspect.signature(fn)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()):
        return dict(values)
    return {name: values[name] for name in signature.parameters if name in values}


class ThreadRunner:
    """Runs ``on_startup``, the server function and ``on_shutdown`` on a daemon thread.

    An async server is stopped by cancelling it (or through the callbacks it registered with
    :func:`on_local_stop`); a sync one by raising an exception in its thread, which takes effect
    when it next runs Python code.
    """

    def __init__(
        self,
        name: str,
        server: Callable[..., Any],
        on_startup: Callable[..., Any] | None,
        on_shutdown: Callable[..., Any] | None,
        parameters: Mapping[str, str],
        context: AppContext,
    ) -> None:
        self.name = name
        self._server = server
        self._on_startup = on_startup
        self._on_shutdown = on_shutdown
        self._parameters = dict(parameters)
        self._context = context
        self.stop_callbacks: list[Callable[[], None]] = []
        self._callbacks_called = 0
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self._in_server = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[Any] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"flyte-app-{name}")

    def start(self) -> None:
        """Starts the thread."""
        self._thread.start()

    def is_alive(self) -> bool:
        """Whether the app's thread still runs."""
        return self._thread.is_alive()

    def _run(self) -> None:
        _current_parameters.set(self._parameters)
        _local_app_context.set(self._context)
        _current_runner.set(self)
        try:
            self._call(self._on_startup, server=False)
            try:
                self._call(self._server, server=True)
            finally:
                self._call(self._on_shutdown, server=False)
        except _AppStopped:
            pass
        except BaseException as e:
            # Kept for the handle to report: an exception on a dead thread is otherwise lost.
            self.error = e
            system_logger.error("Local app '%s' failed: %s: %s", self.name, type(e).__name__, e)

    def _call(self, fn: Callable[..., Any] | None, *, server: bool) -> None:
        if fn is None:
            return
        kwargs = bind_parameters(fn, self._parameters)
        if inspect.iscoroutinefunction(fn):
            self._run_coroutine(fn(**kwargs), cancellable=server)
            return
        with self._lock:
            self._in_server = server
        if server and self._stopping:
            raise _AppStopped
        try:
            fn(**kwargs)
        finally:
            with self._lock:
                self._in_server = False

    def _run_coroutine(self, coro: Coroutine[Any, Any, Any], *, cancellable: bool) -> None:
        loop = asyncio.new_event_loop()
        main = loop.create_task(coro)
        with self._lock:
            if cancellable:
                self._loop, self._main = loop, main
                if self._stopping:
                    main.cancel()
        try:
            loop.run_until_complete(main)
        except asyncio.CancelledError:
            if not (cancellable and self._stopping):
                raise
        finally:
            with self._lock:
                self._loop = self._main = None
            _close_loop(loop)

    def add_stop_callback(self, callback: Callable[[], None]) -> None:
        """Adds ``callback`` to those :meth:`stop` calls (at once if a stop is under way)."""
        with self._lock:
            self.stop_callbacks.append(callback)

    def stop(self, timeout: float) -> bool:
        """Asks the app to stop and waits up to ``timeout`` seconds; True if its thread ended."""
        with self._lock:
            self._stopping = True
        deadline = time.monotonic() + timeout
        while self._thread.is_alive():
            if self._call_new_callbacks():
                # A graceful stop gets half the time left before the app is interrupted.
                self._thread.join(max(0.0, deadline - time.monotonic()) / 2)
                continue
            self._interrupt()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._thread.join(min(0.25, remaining))
        return not self._thread.is_alive()

    def _call_new_callbacks(self) -> bool:
        """Calls the stop callbacks not called yet (an app still starting may register its
        own only now); True if there were any."""
        with self._lock:
            waiting = self.stop_callbacks[self._callbacks_called :]
            self._callbacks_called = len(self.stop_callbacks)
        for callback in waiting:
            callback()
        return bool(waiting)

    def _interrupt(self) -> None:
        with self._lock:
            if len(self.stop_callbacks) > self._callbacks_called:
                # The app registered a graceful stop since: interrupting it mid-start would make
                # it log a failed start, so the next round calls its callback instead.
                return
            loop, main, in_server = self._loop, self._main, self._in_server
        if loop is not None and main is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(main.cancel)
        elif in_server and self._thread.ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(self._thread.ident), ctypes.py_object(_AppStopped)
            )


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Closes ``loop`` after letting its leftover tasks handle their cancellation."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()


class ProcessRunner:
    """Runs an app's command line as a child process with the environment ``env``."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str]) -> None:
        self.name = name
        self._argv = argv
        self._env = dict(env)
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = False

    @property
    def error(self) -> BaseException | None:
        """Why the process ended on its own, if it did."""
        if self._process is None or self._stopping:
            return None
        code = self._process.poll()
        if code is None:
            return None
        return RuntimeError(f"the process {self._argv[0]!r} exited with code {code}")

    def start(self) -> None:
        """Starts the process.

        Raises:
            OSError: the program does not exist or cannot be run.
        """
        self._process = subprocess.Popen(self._argv, env=self._env)

    def is_alive(self) -> bool:
        """Whether the process still runs."""
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float) -> bool:
        """Terminates the process, kills it if it outlives ``timeout`` seconds; True once it ended
        (with no ``timeout``, whether it ended at once)."""
        self._stopping = True
        process = self._process
        if process is None or process.poll() is not None:
            return True
        process.terminate()
        if timeout <= 0:
            return process.poll() is not None
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return True


def write_parameters_file(app_name: str, parameters: Mapping[str, str]) -> str:
    """Writes an app's parameter values to a new JSON file (for ``get_parameter`` in threads and
    processes that do not see the server thread's context) and returns its path."""
    fd, path = tempfile.mkstemp(prefix=f"flyte-app-{app_name}-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(dict(parameters), f)
    return path


def app_env_vars(extra: Mapping[str, str], context: AppContext, parameters_file: str) -> dict[str, str]:
    """The environment variables a local app gets: ``extra``, its context and its parameters file."""
    return {
        **extra,
        RUN_MODE_ENV: "local",
        RAW_DATA_PATH_ENV: context.raw_data_path,
        "FLYTE_INTERNAL_EXECUTION_PROJECT": context.project,
        "FLYTE_INTERNAL_EXECUTION_DOMAIN": context.domain,
        RUNTIME_PARAMETERS_FILE: parameters_file,
    }
