"""The server process: HTTP API, scheduler and executor, sharing one database.

``serve()`` is what ``flyte start server`` runs. Everything that matters is in the database, so
a server killed at any moment and started again on the same database and store carries on.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine

from flyte._internal import wire
from flyte._internal.imagebuild import ImageBuilder
from flyte._version import __version__
from flyte.server.api import (
    actions,
    attempt_history,
    attempts,
    auth,
    bundles,
    conditions,
    details,
    images,
    projects,
    rerun,
    runs,
    secrets,
)
from flyte.server.api import tasks as deployed
from flyte.server.api import triggers as trigger_routes
from flyte.server.auth.bootstrap import ADMIN_KEY_FILE, ensure_admin_key
from flyte.server.auth.guard import Guard
from flyte.server.body_limit import BodyLimit
from flyte.server.db.database import open_database
from flyte.server.executors.base import Executor
from flyte.server.notify import Notifier
from flyte.server.repo import bundles as bundle_repo
from flyte.server.repo import runs as run_repo
from flyte.server.secrets import injection
from flyte.server.secrets.cipher import KEY_FILE, SecretCipher
from flyte.server.secrets.vault import SecretVault
from flyte.server.settings import ServerSettings
from flyte.server.ui.mount import mount_ui
from flyte.server.validation_errors import validation_error_response
from flyte.server.worker_env import base_environment


@dataclass
class ServerState:
    """What the API handlers and the scheduler share."""

    settings: ServerSettings
    engine: Engine
    notifier: Notifier
    executor: Executor
    images: ImageBuilder
    vault: SecretVault
    """The server's stored secrets."""
    token_hashes: dict[tuple[str, str, int], str] = field(default_factory=dict)
    """Token hashes of attempts, by (run, action, attempt): they never change once made."""
    _runs: dict[str, Any] = field(default_factory=dict)
    _secret_values: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)

    def _run_row(self, run_name: str) -> Any:
        # A run's bundle, project and options never change: read them once.
        row = self._runs.get(run_name)
        if row is None:
            if len(self._runs) > 10_000:
                self._runs.clear()
            row = self._runs[run_name] = run_repo.get_run(self.engine, run_name)
        return row

    def remember_token_hash(self, key: tuple[str, str, int], token_hash: str) -> None:
        """Keeps an attempt's token hash for the worker's next reports (bounded)."""
        if len(self.token_hashes) > 50_000:
            self.token_hashes.clear()
        self.token_hashes[key] = token_hash

    def attempt_spec(self, row: Any, attempt: int, recorded: list[wire.ActionState]) -> wire.AttemptSpec | None:
        """What the worker of attempt ``attempt`` of the action ``row`` runs (None: no such run)."""
        from flyte.server.repo import actions as action_repo

        run_row = self._run_row(row.run_name)
        if run_row is None:
            return None
        return wire.AttemptSpec(
            run_name=row.run_name,
            action_name=row.name,
            attempt=attempt,
            project=run_row.project,
            domain=run_row.domain,
            task=action_repo.task_spec(row),
            inputs=bytes(row.inputs or b""),
            bundle=run_row.bundle,
            raw_data_path=run_row.raw_data_path,
            custom_context=run_repo.run_options(run_row).get("custom_context", {}),
            recorded=recorded,
        )

    def _remember_secret_values(self, key: tuple[str, str, int], values: list[str]) -> None:
        if len(self._secret_values) > 50_000:
            self._secret_values.clear()
        self._secret_values[key] = values

    def secret_values(self, run_name: str, action_name: str, attempt: int) -> list[str]:
        """The secret values an attempt was given, to mask in its logs (found again after a
        restart of the server)."""
        key = (run_name, action_name, attempt)
        values = self._secret_values.get(key)
        if values is None:
            from flyte.server.repo import actions as action_repo

            row = action_repo.get_action(self.engine, run_name, action_name)
            run_row = self._run_row(run_name)
            values = []
            if row is not None and run_row is not None:
                specs = action_repo.task_spec(row).secrets
                values = injection.secret_values(self.vault, specs, run_row.project, run_row.domain)
            self._remember_secret_values(key, values)
        return values

    def bundle_of(self, run_name: str) -> str | None:
        """The code bundle of a run."""
        row = self._run_row(run_name)
        return row.bundle if row is not None else None

    def worker_env(self, row: Any, spec: wire.TaskSpec, attempt: int, token: str) -> dict[str, str]:
        """What a worker's environment adds to the base one: the run's and the task's variables,
        secrets (the server's stored ones first, then its machine's local store; never the
        server's own environment), the attempt's ids and its token.

        Raises:
            RuntimeUserError: ``SecretNotFound``, a secret the task needs is missing or unreadable.
        """
        run_row = self._run_row(row.run_name)
        options = run_repo.run_options(run_row) if run_row is not None else {}
        env = dict(options.get("env_vars", {}))
        env.update(spec.env_vars)
        project = run_row.project if run_row is not None else ""
        domain = run_row.domain if run_row is not None else ""
        folder = injection.attempt_secrets_folder(self.settings.server_home, row.run_name, row.name, attempt)
        secret_env, values = injection.resolve_for_attempt(self.vault, spec.name, spec.secrets, project, domain, folder)
        env.update(secret_env)
        self._remember_secret_values((row.run_name, row.name, attempt), values)
        env.update(
            {
                "FLYTE_ENDPOINT": self.settings.endpoint,
                "RUN_NAME": row.run_name,
                "ACTION_NAME": row.name,
                "FLYTE_ATTEMPT": str(attempt),
                wire.ATTEMPT_TOKEN_ENV: token,
                "FLYTE_HOME": str(self.settings.server_home / "worker-home"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env


def create_app(settings: ServerSettings, executor: Executor | None = None) -> FastAPI:
    """The ASGI application of a server; the scheduler runs while the app is being served."""
    engine = open_database(settings.database_url)
    cipher = SecretCipher.for_home(settings.server_home)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from flyte.server.scheduler import Scheduler
        from flyte.server.triggers.clock import TriggerClock

        images = ImageBuilder(
            settings.server_home / "images", allow_apt=settings.allow_apt, max_images=settings.max_images
        )
        notifier = Notifier(asyncio.get_running_loop())
        state = ServerState(
            settings=settings,
            engine=engine,
            notifier=notifier,
            executor=executor or _executor(settings, engine, images, notifier),
            images=images,
            vault=SecretVault(engine, cipher),
        )
        app.state.server = state
        scheduler = Scheduler(state)
        ticking = asyncio.create_task(scheduler.run())
        clock = TriggerClock(state)
        firing = asyncio.create_task(clock.run())
        try:
            yield
        finally:
            clock.stop()
            await firing
            scheduler.stop()
            await ticking
            state.executor.shutdown()
            engine.dispose()

    # The docs pages would load their scripts and styles from a CDN: the UI serves nothing from
    # the internet, so they are off; the API's contract stays at /openapi.json.
    app = FastAPI(title="flyte", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    for module in (
        runs,
        actions,
        attempts,
        bundles,
        images,
        secrets,
        rerun,
        auth,
        projects,
        deployed,
        trigger_routes,
        conditions,
        attempt_history,
        details,
    ):
        app.include_router(module.router)
    mount_ui(app)

    app.add_exception_handler(RequestValidationError, validation_error_response)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    # Added last, so it runs first: nothing is read or parsed for a caller it refuses.
    app.add_middleware(Guard, auth=settings.auth)
    if settings.auth:
        ensure_admin_key(engine, settings.server_home)
    return app


def _executor(settings: ServerSettings, engine: Engine, images: ImageBuilder, notifier: Notifier) -> Executor:
    """The executor that ``--executor`` names: processes of this machine, or a Ray cluster."""

    def bundle_uri(digest: str) -> str | None:
        return bundle_repo.bundle_uri(engine, digest)

    if settings.executor.startswith("ray"):
        from flyte.server.executors.ray_executor import RayExecutor

        return RayExecutor(
            settings.executor,
            store=settings.store_prefix,
            bundle_uri=bundle_uri,
            base_env=base_environment(settings.worker_env),
            bundle_limits=settings.bundle_limits,
            allow_apt=settings.allow_apt,
            max_images=settings.max_images,
            on_exit=notifier.wake_scheduler,
        )
    from flyte.server.executors.process import ProcessExecutor

    return ProcessExecutor(
        settings.server_home,
        bundle_uri,
        base_environment(settings.worker_env),
        images=images,
        zygote_idle_s=settings.zygote_idle_s,
        max_zygotes=settings.max_zygotes,
        bundle_limits=settings.bundle_limits,
        on_exit=notifier.wake_scheduler,
    )


def _join_ray(settings: ServerSettings) -> None:
    """Joins (or starts) the Ray cluster before serving, so that a cluster that cannot be used
    stops the server with one line saying why, not a traceback."""
    from flyte.errors import ConfigError
    from flyte.server.executors.ray_cluster import check_cluster, connect

    try:
        connect(settings.executor)
        check_cluster(settings.store_prefix)
    except ConfigError as e:
        sys.exit(f"error: {e.message}")


def serve(settings: ServerSettings) -> None:
    """Runs a server until interrupted (what ``flyte start server`` does)."""
    import uvicorn

    settings.server_home.mkdir(parents=True, exist_ok=True)
    if settings.executor.startswith("ray"):
        _join_ray(settings)
    app = create_app(settings)
    print(f"flyte server {__version__} listening on {settings.endpoint}", file=sys.stderr, flush=True)
    print(f"secrets are encrypted with the key in {settings.server_home / KEY_FILE}", file=sys.stderr, flush=True)
    if settings.auth:
        print(f"API keys are required; the admin key is in {settings.server_home / ADMIN_KEY_FILE}", file=sys.stderr)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=os.environ.get("FLYTE_SERVER_LOG_LEVEL", "warning"),
        # Long-polls would otherwise hold a stopping server for up to their full timeout.
        timeout_graceful_shutdown=2,
    )
