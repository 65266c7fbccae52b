"""The HTTP client of the flyte server's API, as the SDK and the CLI use it.

Every call goes through :class:`ApiClient`, one method per endpoint of :mod:`flyte._internal.wire`,
returning the wire models. Failures become :mod:`flyte.errors` types:

- a 404 is :class:`~flyte.errors.RunNotFoundError` (or :class:`~flyte.errors.ActionNotFoundError`
  for an action's endpoints) with the server's detail;
- any other 4xx is a :class:`~flyte.errors.RuntimeUserError` whose code names the status
  (``Conflict``, ``BadRequest``, ...) and whose message is the server's detail;
- a connection error or a 5xx is retried with backoff for ``retry_for`` seconds (two minutes by
  default), so a client waiting on a run rides out a server restart; after that it is a
  :class:`~flyte.errors.RuntimeSystemError` (``ServerUnavailable`` or ``ServerError``).
"""

from __future__ import annotations

import dataclasses
import http
import logging
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from flyte._init_options import Connection, current_connection, resolve_api_key
from flyte._internal import wire
from flyte.errors import (
    ActionNotFoundError,
    BaseRuntimeError,
    ConditionNotFoundError,
    ImageBuildError,
    RunNotFoundError,
    RuntimeSystemError,
    RuntimeUserError,
)

__all__ = ["DEFAULT_RETRY_FOR", "DEFAULT_TIMEOUT", "ApiClient", "client_for", "close_clients", "normalize_endpoint"]

logger = logging.getLogger("flyte")

DEFAULT_TIMEOUT = 30.0
"""Seconds a request may take (connect, send, receive), on top of any long-poll wait."""
DEFAULT_RETRY_FOR = 120.0
"""Seconds connection errors and 5xx responses are retried for: longer than a server restart."""
_FIRST_DELAY = 0.1
_FIRST_CONTACT_S = 5.0
_MAX_DELAY = 2.0
# Building an image installs packages: the server answers once the build is done.
_BUILD_WAIT_S = 3600.0

M = TypeVar("M", bound=BaseModel)
_RUNS = TypeAdapter(list[wire.RunInfo])
_ACTIONS = TypeAdapter(list[wire.ActionInfo])
_SECRETS = TypeAdapter(list[wire.SecretInfo])
_CONDITIONS = TypeAdapter(list[wire.ConditionInfo])
_STATES = TypeAdapter(list[wire.ActionState])
_TRANSITIONS = TypeAdapter(list[wire.PhaseTransition])
_API_KEYS = TypeAdapter(list[wire.ApiKeyInfo])
_PROJECTS = TypeAdapter(list[wire.ProjectInfo])
_TASKS = TypeAdapter(list[wire.TaskInfo])
_TRIGGERS = TypeAdapter(list[wire.TriggerInfo])


def _task_not_found(detail: str) -> BaseRuntimeError:
    return RuntimeUserError("TaskNotFound", detail)


def _trigger_not_found(detail: str) -> BaseRuntimeError:
    return RuntimeUserError("TriggerNotFound", detail)


def _secret_not_found(detail: str) -> BaseRuntimeError:
    return RuntimeUserError("SecretNotFound", detail)


def _api_key_not_found(detail: str) -> BaseRuntimeError:
    return RuntimeUserError("ApiKeyNotFound", detail)


def _project_not_found(detail: str) -> BaseRuntimeError:
    return RuntimeUserError("ProjectNotFound", detail)


def _condition_not_found(detail: str) -> BaseRuntimeError:
    return ConditionNotFoundError(detail)


def _scope_params(**scope: str | None) -> dict[str, str]:
    return {k: v for k, v in scope.items() if v is not None}


def normalize_endpoint(endpoint: str) -> str:
    """The base URL of a server: ``host:port`` becomes ``http://host:port``; no trailing slash."""
    endpoint = endpoint.strip().rstrip("/")
    if "://" not in endpoint:
        endpoint = f"http://{endpoint}"
    return endpoint


def _segment(name: str) -> str:
    # Names come from users (run names, action names): never let one change the path's shape.
    return quote(name, safe="")


def _detail(response: httpx.Response) -> str:
    """The server's ``{"detail": ...}`` message, or the response text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):  # request validation errors: one "where: what" per problem
        problems = [
            f"{'.'.join(str(p) for p in item.get('loc', ()))}: {item.get('msg', '')}"
            for item in detail
            if isinstance(item, dict)
        ]
        return "; ".join(problems) or str(detail)
    return response.text.strip() or response.reason_phrase


def _status_code_name(status: int) -> str:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP{status}"
    return "".join(word.capitalize() for word in phrase.replace("-", " ").split())


class ApiClient:
    """A synchronous client of one flyte server (``endpoint`` is its base URL).

    ``transport`` replaces the network (tests pass an ``httpx.MockTransport``). The client is
    safe to share between threads; :meth:`close` releases its connections.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retry_for: float = DEFAULT_RETRY_FOR,
        transport: httpx.BaseTransport | None = None,
        connection: Connection | None = None,
    ) -> None:
        self.endpoint = normalize_endpoint(endpoint)
        self.timeout = timeout
        self.retry_for = retry_for
        self._reached = False
        #: How this client reaches its server (TLS, proxy, API key).
        self.connection = connection = connection or Connection()
        self._http = httpx.Client(
            base_url=self.endpoint + wire.API_PREFIX,
            timeout=timeout,
            transport=transport,
            verify=ssl.create_default_context(cafile=connection.verify)
            if isinstance(connection.verify, str)
            else connection.verify,
            proxy=connection.proxy,
            headers={"Authorization": f"Bearer {connection.api_key}"} if connection.api_key else None,
        )

    def close(self) -> None:
        """Closes the connections."""
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ApiClient({self.endpoint!r})"

    # -- server and bundles ---------------------------------------------------------------------

    def info(self) -> wire.ServerInfo:
        """The server's version and where its data lives."""
        return self._model(wire.ServerInfo, "GET", "/info")

    def has_bundle(self, digest: str) -> bool:
        """Whether the server holds the code bundle ``digest``."""
        response = self._request("HEAD", f"/bundles/{_segment(digest)}", ok=(200, 404))
        return response.status_code == 200

    def put_bundle(self, digest: str, data: bytes) -> None:
        """Uploads a code bundle (tar.gz bytes) under its sha256 ``digest``."""
        headers = {"content-type": "application/gzip"}
        self._request("PUT", f"/bundles/{_segment(digest)}", content=data, headers=headers, ok=(200, 201, 204))

    def build_image(self, image: wire.ImageSpec, force: bool = False) -> wire.BuiltImageInfo:
        """Has the server build ``image`` (waiting for the build, which may take minutes).

        Raises:
            ImageBuildError: the build failed; the message ends with its log.
        """
        body = wire.BuildImageRequest(image=image, force=force).model_dump(mode="json")
        response, _ = self._send("POST", "/images", json=body, wait=_BUILD_WAIT_S)
        if response.status_code == 400:
            raise ImageBuildError(_detail(response))
        self._raise_for_status(response, (200,), RunNotFoundError)
        return wire.BuiltImageInfo.model_validate_json(response.content)

    # -- runs -----------------------------------------------------------------------------------

    def create_run(self, request: wire.CreateRunRequest) -> wire.RunInfo:
        """Starts a run; a name already taken is a ``Conflict`` error.

        When an earlier attempt may have reached the server before the connection failed, a
        conflict on the retry means that attempt created the run: the run is returned.
        """
        body = request.model_dump(mode="json", exclude_none=True)
        response, resent = self._send("POST", "/runs", json=body)
        if response.status_code == 409 and resent and request.name is not None:
            return self.get_run(request.name)
        self._raise_for_status(response, (200, 201), RunNotFoundError)
        return wire.RunInfo.model_validate_json(response.content)

    def list_runs(
        self,
        *,
        project: str | None = None,
        domain: str | None = None,
        phase: str | Sequence[str] | None = None,
        task: str | None = None,
        limit: int | None = None,
        created_after: float | None = None,
        created_before: float | None = None,
        sort_by: str | None = None,
        order: str | None = None,
    ) -> list[wire.RunInfo]:
        """Runs matching every filter given (any of several phases), newest first unless sorted otherwise."""
        params = {
            "project": project,
            "domain": domain,
            "phase": [phase] if isinstance(phase, str) else (list(phase) if phase else None),
            "task": task,
            "limit": limit,
            "created_after": created_after,
            "created_before": created_before,
            "sort_by": sort_by,
            "order": order,
        }
        response = self._request("GET", "/runs", params={k: v for k, v in params.items() if v is not None})
        return _RUNS.validate_json(response.content)

    def get_run(self, run: str) -> wire.RunInfo:
        """The run named ``run``."""
        return self._model(wire.RunInfo, "GET", f"/runs/{_segment(run)}")

    def run_changes(self, run: str, phase: str | None, timeout: float = 30.0) -> wire.RunInfo:
        """The run once its phase is not ``phase``, or as it is after ``timeout`` seconds (a long poll)."""
        params: dict[str, Any] = {"timeout": timeout}
        if phase is not None:
            params["phase"] = phase
        return self._model(wire.RunInfo, "GET", f"/runs/{_segment(run)}/changes", params=params, wait=timeout)

    def wait_run(self, run: str, timeout: float = 30.0) -> wire.RunInfo:
        """The run once it has ended, or as it is after ``timeout`` seconds (a long poll)."""
        return self._model(
            wire.RunInfo, "GET", f"/runs/{_segment(run)}/wait", params={"timeout": timeout}, wait=timeout
        )

    def abort_run(self, run: str, reason: str | None = None) -> wire.RunInfo:
        """Asks the server to abort the run, recording ``reason``; returns it as it is now.

        Aborting an aborted run changes nothing; one that ended otherwise is a ``Conflict``.
        """
        body = wire.AbortRequest() if reason is None else wire.AbortRequest(reason=reason)
        response = self._request("POST", f"/runs/{_segment(run)}/abort", json=body.model_dump(mode="json"))
        return wire.RunInfo.model_validate_json(response.content)

    def abort_action(self, run: str, action: str, reason: str | None = None) -> wire.ActionInfo:
        """Asks the server to abort the action and every action below it; returns it as it is now."""
        body = wire.AbortRequest() if reason is None else wire.AbortRequest(reason=reason)
        path = f"/runs/{_segment(run)}/actions/{_segment(action)}/abort"
        response = self._request("POST", path, json=body.model_dump(mode="json"), not_found=ActionNotFoundError)
        return wire.ActionInfo.model_validate_json(response.content)

    def rerun(self, run: str, request: wire.RerunRequest) -> wire.RunInfo:
        """Starts a new run with the task, code, options and inputs of ``run`` (see ``RerunRequest``)."""
        body = request.model_dump(mode="json", exclude_none=True)
        response = self._request("POST", f"/runs/{_segment(run)}/rerun", json=body, ok=(201,))
        return wire.RunInfo.model_validate_json(response.content)

    # -- conditions -----------------------------------------------------------------------------

    def list_conditions(self, run: str, action: str | None = None) -> list[wire.ConditionInfo]:
        """The run's conditions (those ``action`` waits for, when given), oldest first."""
        params = {"action": action} if action is not None else None
        response = self._request("GET", f"/runs/{_segment(run)}/conditions", params=params)
        return _CONDITIONS.validate_json(response.content)

    def get_condition(self, run: str, name: str) -> wire.ConditionInfo:
        """One condition of the run, by its action's name or its own (``ConditionNotFoundError``)."""
        path = f"/runs/{_segment(run)}/conditions/{_segment(name)}"
        return self._model(wire.ConditionInfo, "GET", path, not_found=_condition_not_found)

    def wait_condition(self, run: str, name: str, timeout: float = 30.0) -> wire.ConditionInfo:
        """The condition once it has ended, or as it is after ``timeout`` seconds (a long poll)."""
        path = f"/runs/{_segment(run)}/conditions/{_segment(name)}/wait"
        params = {"timeout": timeout}
        return self._model(wire.ConditionInfo, "GET", path, params=params, wait=timeout, not_found=_condition_not_found)

    def signal_condition(self, run: str, name: str, value: wire.ConditionValue) -> wire.ConditionInfo:
        """Gives the condition its value; a value of another type is a ``BadRequest`` error."""
        path = f"/runs/{_segment(run)}/conditions/{_segment(name)}/signal"
        body = wire.SignalRequest(value=value).model_dump(mode="json")
        response = self._request("POST", path, json=body, not_found=_condition_not_found)
        return wire.ConditionInfo.model_validate_json(response.content)

    # -- actions --------------------------------------------------------------------------------

    def list_actions(self, run: str) -> list[wire.ActionInfo]:
        """Every action of the run."""
        response = self._request("GET", f"/runs/{_segment(run)}/actions")
        return _ACTIONS.validate_json(response.content)

    def list_attempts(self, run: str, action: str) -> list[wire.AttemptInfo]:
        """Every attempt of an action, first to last, each with its error."""
        path = f"/runs/{_segment(run)}/actions/{_segment(action)}/attempts"
        response = self._request("GET", path, not_found=ActionNotFoundError)
        return TypeAdapter(list[wire.AttemptInfo]).validate_json(response.content)

    def wait_actions(self, run: str, names: list[str], timeout: float = 30.0) -> list[wire.ActionState]:
        """The states of those of ``names`` that have ended, once one has or ``timeout`` passes."""
        body = wire.WaitRequest(names=names, timeout=timeout).model_dump(mode="json")
        response, _ = self._send("POST", f"/runs/{_segment(run)}/actions/wait", json=body, wait=timeout)
        self._raise_for_status(response, (200,), RunNotFoundError)
        return _STATES.validate_json(response.content)

    def action_changes(self, run: str, action: str, phase: str | None, timeout: float = 30.0) -> wire.ActionInfo:
        """The action once its phase is not ``phase``, or as it is after ``timeout`` seconds (a long poll)."""
        params: dict[str, Any] = {"timeout": timeout}
        if phase is not None:
            params["phase"] = phase
        path = f"/runs/{_segment(run)}/actions/{_segment(action)}/changes"
        return self._model(wire.ActionInfo, "GET", path, params=params, wait=timeout, not_found=ActionNotFoundError)

    def action_transitions(self, run: str, action: str) -> list[wire.PhaseTransition]:
        """The phases the action went through, oldest first."""
        path = f"/runs/{_segment(run)}/actions/{_segment(action)}/transitions"
        response = self._request("GET", path, not_found=ActionNotFoundError)
        return _TRANSITIONS.validate_json(response.content)

    def get_action(self, run: str, action: str) -> wire.ActionDetail:
        """One action with its encoded inputs and outputs."""
        path = f"/runs/{_segment(run)}/actions/{_segment(action)}"
        return self._model(wire.ActionDetail, "GET", path, not_found=ActionNotFoundError)

    def action_logs(self, run: str, action: str, after: int | None = None, wait: float = 0.0) -> wire.LogChunk:
        """Log lines of an action after position ``after`` (from the start when ``None``).

        With ``wait`` > 0 the server holds the request up to that many seconds for new lines.
        """
        params: dict[str, Any] = {"wait": wait}
        if after is not None:
            params["after"] = after
        path = f"/runs/{_segment(run)}/actions/{_segment(action)}/logs"
        return self._model(wire.LogChunk, "GET", path, params=params, wait=wait, not_found=ActionNotFoundError)

    # -- secrets --------------------------------------------------------------------------------

    def put_secret(self, write: wire.SecretWrite) -> wire.SecretInfo:
        """Stores a secret on the server (replacing the one of the same name and scope)."""
        body = write.model_dump(mode="json", exclude_none=True)
        response = self._request("POST", "/secrets", json=body, ok=(200, 201), not_found=_secret_not_found)
        return wire.SecretInfo.model_validate_json(response.content)

    def list_secrets(
        self,
        *,
        name: str | None = None,
        org: str | None = None,
        project: str | None = None,
        domain: str | None = None,
    ) -> list[wire.SecretInfo]:
        """Names and scopes of the server's secrets matching every filter given (never values)."""
        params = _scope_params(name=name, org=org, project=project, domain=domain)
        response = self._request("GET", "/secrets", params=params, not_found=_secret_not_found)
        return _SECRETS.validate_json(response.content)

    def get_secret(
        self, name: str, *, org: str | None = None, project: str | None = None, domain: str | None = None
    ) -> wire.SecretInfo:
        """The secret of exactly this name and scope, without its value (``SecretNotFound`` if none)."""
        params = _scope_params(org=org, project=project, domain=domain)
        return self._model(
            wire.SecretInfo, "GET", f"/secrets/{_segment(name)}", params=params, not_found=_secret_not_found
        )

    def delete_secret(
        self, name: str, *, org: str | None = None, project: str | None = None, domain: str | None = None
    ) -> None:
        """Removes the secret of exactly this name and scope (``SecretNotFound`` if none)."""
        params = _scope_params(org=org, project=project, domain=domain)
        self._request("DELETE", f"/secrets/{_segment(name)}", params=params, ok=(204,), not_found=_secret_not_found)

    # -- deployed tasks and triggers -------------------------------------------------------------

    def deploy_task(self, request: wire.DeployTaskRequest) -> wire.TaskInfo:
        """Registers a version of a task (the same content again changes nothing; other content
        under a deployed version is a ``Conflict``)."""
        body = request.model_dump(mode="json", exclude_none=True)
        response = self._request("POST", "/tasks", json=body, ok=(200, 201), not_found=_task_not_found)
        return wire.TaskInfo.model_validate_json(response.content)

    def list_tasks(
        self,
        *,
        project: str,
        domain: str,
        name: str | None = None,
        environment: str | None = None,
        limit: int | None = None,
    ) -> list[wire.TaskInfo]:
        """Versions of deployed tasks matching every filter given, newest first."""
        params = _scope_params(project=project, domain=domain, name=name, environment=environment)
        if limit is not None:
            params["limit"] = str(limit)
        response = self._request("GET", "/tasks", params=params, not_found=_task_not_found)
        return _TASKS.validate_json(response.content)

    def get_task(self, name: str, *, project: str, domain: str, version: str | None = None) -> wire.TaskInfo:
        """A version of a deployed task, its newest without ``version`` (``TaskNotFound`` if none)."""
        params = _scope_params(project=project, domain=domain, version=version)
        return self._model(wire.TaskInfo, "GET", f"/tasks/{_segment(name)}", params=params, not_found=_task_not_found)

    def create_trigger(self, request: wire.CreateTriggerRequest) -> wire.TriggerInfo:
        """Adds a trigger to a deployed task (a name the task uses already is a ``Conflict``)."""
        body = request.model_dump(mode="json", exclude_none=True)
        response = self._request("POST", "/triggers", json=body, ok=(201,), not_found=_task_not_found)
        return wire.TriggerInfo.model_validate_json(response.content)

    def list_triggers(
        self, *, project: str, domain: str, task: str | None = None, limit: int | None = None
    ) -> list[wire.TriggerInfo]:
        """Triggers of the project and domain (of one task with ``task``)."""
        params = _scope_params(project=project, domain=domain, task=task)
        if limit is not None:
            params["limit"] = str(limit)
        response = self._request("GET", "/triggers", params=params, not_found=_trigger_not_found)
        return _TRIGGERS.validate_json(response.content)

    def get_trigger(self, task: str, name: str, *, project: str, domain: str) -> wire.TriggerInfo:
        """One trigger of a task (``TriggerNotFound`` if none)."""
        path = f"/triggers/{_segment(task)}/{_segment(name)}"
        params = _scope_params(project=project, domain=domain)
        return self._model(wire.TriggerInfo, "GET", path, params=params, not_found=_trigger_not_found)

    def update_trigger(self, task: str, name: str, *, active: bool, project: str, domain: str) -> wire.TriggerInfo:
        """Activates or deactivates a trigger; returns it as it is now."""
        path = f"/triggers/{_segment(task)}/{_segment(name)}"
        body = wire.TriggerUpdate(active=active).model_dump(mode="json")
        params = _scope_params(project=project, domain=domain)
        response = self._request("PATCH", path, json=body, params=params, not_found=_trigger_not_found)
        return wire.TriggerInfo.model_validate_json(response.content)

    def delete_trigger(self, task: str, name: str, *, project: str, domain: str) -> None:
        """Removes a trigger (``TriggerNotFound`` if none)."""
        path = f"/triggers/{_segment(task)}/{_segment(name)}"
        params = _scope_params(project=project, domain=domain)
        self._request("DELETE", path, params=params, ok=(204,), not_found=_trigger_not_found)

    # -- API keys, projects, whoami -------------------------------------------------------------

    def create_api_key(self, name: str, project: str | None = None) -> wire.ApiKeyCreated:
        """Creates an API key (scoped to ``project`` when given); the answer holds the key, which
        the server never shows again. A name already taken is a ``Conflict`` error."""
        body = wire.ApiKeyCreate(name=name, project=project).model_dump(mode="json", exclude_none=True)
        response = self._request("POST", "/api-keys", json=body, ok=(201,), not_found=_api_key_not_found)
        return wire.ApiKeyCreated.model_validate_json(response.content)

    def list_api_keys(self) -> list[wire.ApiKeyInfo]:
        """Every API key's name, scope and creation time (never the key)."""
        response = self._request("GET", "/api-keys", not_found=_api_key_not_found)
        return _API_KEYS.validate_json(response.content)

    def delete_api_key(self, name: str) -> None:
        """Deletes an API key at once (``ApiKeyNotFound`` if there is none)."""
        self._request("DELETE", f"/api-keys/{_segment(name)}", ok=(204,), not_found=_api_key_not_found)

    def whoami(self) -> wire.WhoAmI:
        """Who the server takes this client for."""
        return self._model(wire.WhoAmI, "GET", "/whoami")

    def create_project(self, project: wire.ProjectCreate) -> wire.ProjectInfo:
        """Creates a project; an id already taken is a ``Conflict`` error."""
        body = project.model_dump(mode="json")
        response = self._request("POST", "/projects", json=body, ok=(201,), not_found=_project_not_found)
        return wire.ProjectInfo.model_validate_json(response.content)

    def list_projects(self) -> list[wire.ProjectInfo]:
        """Every project the caller may see."""
        response = self._request("GET", "/projects", not_found=_project_not_found)
        return _PROJECTS.validate_json(response.content)

    def get_project(self, project: str) -> wire.ProjectInfo:
        """One project (``ProjectNotFound`` if there is none)."""
        return self._model(wire.ProjectInfo, "GET", f"/projects/{_segment(project)}", not_found=_project_not_found)

    # -- plumbing -------------------------------------------------------------------------------

    def _model(
        self,
        model: type[M],
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        wait: float = 0.0,
        not_found: Callable[[str], BaseRuntimeError] = RunNotFoundError,
    ) -> M:
        response = self._request(method, path, params=params, wait=wait, not_found=not_found)
        return model.model_validate_json(response.content)

    def _request(
        self,
        method: str,
        path: str,
        *,
        ok: tuple[int, ...] = (200,),
        wait: float = 0.0,
        not_found: Callable[[str], BaseRuntimeError] = RunNotFoundError,
        **kwargs: Any,
    ) -> httpx.Response:
        response, _ = self._send(method, path, wait=wait, **kwargs)
        self._raise_for_status(response, ok, not_found)
        return response

    def _send(self, method: str, path: str, *, wait: float = 0.0, **kwargs: Any) -> tuple[httpx.Response, bool]:
        """Sends a request, retrying connection errors and 5xx responses until ``retry_for``.

        Returns the response and whether the request was sent more than once after a failure
        that may have happened once the server had it.
        """
        # A long poll legitimately keeps the response back for ``wait`` seconds.
        timeout = httpx.Timeout(self.timeout, read=self.timeout + wait)
        # A server that answered before is worth waiting for (it is restarting); one that never
        # did is most likely the wrong address, which the user should hear about quickly.
        patience = self.retry_for if self._reached else min(self.retry_for, _FIRST_CONTACT_S)
        deadline = time.monotonic() + patience
        delay = _FIRST_DELAY
        resent = False
        warned = False
        while True:
            try:
                response = self._http.request(method, path, timeout=timeout, **kwargs)
            except httpx.TransportError as e:
                problem: str = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
                failure: BaseRuntimeError = RuntimeSystemError(
                    "ServerUnavailable", f"cannot reach the flyte server at {self.endpoint}: {problem}"
                )
            else:
                self._reached = True
                if response.status_code < 500:
                    return response, resent
                problem = f"{response.status_code} {_detail(response)}"
                failure = RuntimeSystemError("ServerError", f"the flyte server at {self.endpoint} failed: {problem}")
            if time.monotonic() + delay > deadline:
                raise failure
            if not warned:
                warned = True
                logger.warning(
                    "flyte server at %s: %s; retrying for up to %.0fs",
                    self.endpoint,
                    problem.rstrip("."),
                    patience,
                )
            time.sleep(delay)
            delay = min(delay * 2, _MAX_DELAY)
            resent = True

    @staticmethod
    def _raise_for_status(
        response: httpx.Response, ok: tuple[int, ...], not_found: Callable[[str], BaseRuntimeError]
    ) -> None:
        status = response.status_code
        if status in ok:
            return
        detail = _detail(response)
        if status == 404:
            raise not_found(detail)
        if 400 <= status < 500:
            raise RuntimeUserError(_status_code_name(status), detail)
        raise RuntimeSystemError("UnexpectedResponse", f"unexpected {status} response from the server: {detail}")


_clients: dict[str, ApiClient] = {}
_clients_lock = threading.Lock()


def client_for(endpoint: str) -> ApiClient:
    """The process-wide client of ``endpoint``, created on first use with the connection
    settings ``flyte.init`` made (again, when those settings have changed since)."""
    key = normalize_endpoint(endpoint)
    connection = current_connection()
    if connection.api_key is None:
        # A process that never called flyte.init (a CLI command) still sends FLYTE_API_KEY.
        api_key = resolve_api_key(None, None)
        if api_key is not None:
            connection = dataclasses.replace(connection, api_key=api_key)
    with _clients_lock:
        client = _clients.get(key)
        if client is not None and client.connection != connection:
            client.close()
            client = None
        if client is None:
            client = _clients[key] = ApiClient(key, connection=connection)
        return client


def close_clients() -> None:
    """Closes and forgets the process-wide clients (for tests and long-lived processes)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
