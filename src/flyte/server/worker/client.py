"""A worker's connection to its server, patient through server restarts.

Every call retries connection failures and server errors with backoff for up to
``RIDE_OUT_S`` seconds: a server that is killed and started again finds its workers still there,
waiting to report.
"""

from __future__ import annotations

import asyncio
import time

import httpx
from pydantic import BaseModel

from flyte._internal import wire

RIDE_OUT_S = 600.0


class AttemptOver(Exception):
    """The server says this attempt is over (aborted, timed out, declared lost)."""


def _retryable(response: httpx.Response | None, error: BaseException | None) -> bool:
    if error is not None:
        return isinstance(error, httpx.TransportError)
    return response is not None and response.status_code >= 500


def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code == 409:
        raise AttemptOver(response.json().get("detail", "attempt is over"))
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.text}")
    return response


class WorkerClient:
    """The attempt endpoints, sync (worker threads) and async (the remote controller)."""

    def __init__(
        self,
        endpoint: str,
        run_name: str,
        action_name: str,
        attempt: int,
        token: str = "",
        shared: httpx.Client | None = None,
    ):
        """``shared``: a client of the endpoint to send the sync requests with (a replica's, used by
        all its attempts), kept open by :meth:`close`."""
        self.endpoint = endpoint.rstrip("/")
        self.run_name = run_name
        self.attempt_path = f"{wire.API_PREFIX}/attempts/{run_name}/{action_name}/{attempt}"
        # Plain-HTTP endpoints need no TLS context, whose creation alone costs tens of
        # milliseconds: a large share of a short-lived worker's life.
        self._verify = not self.endpoint.startswith("http://")
        # Every request carries the attempt's token: the server takes reports from this worker only.
        self._headers = {wire.ATTEMPT_TOKEN_HEADER: token}
        self._owns_sync = shared is None
        self._sync = shared or httpx.Client(
            base_url=self.endpoint, timeout=httpx.Timeout(30.0, read=150.0), verify=self._verify
        )
        self._async: httpx.AsyncClient | None = None

    def _send(self, method: str, path: str, body: BaseModel | None = None) -> httpx.Response:
        content = body.model_dump_json().encode() if body is not None else None
        headers = {**self._headers, "content-type": "application/json"} if content is not None else self._headers
        deadline = time.monotonic() + RIDE_OUT_S
        delay = 0.1
        while True:
            response: httpx.Response | None = None
            error: BaseException | None = None
            try:
                response = self._sync.request(method, path, content=content, headers=headers)
            except httpx.HTTPError as e:
                error = e
            if not _retryable(response, error) or time.monotonic() > deadline:
                if error is not None:
                    raise error
                assert response is not None
                return _check(response)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _send_async(self, method: str, path: str, body: BaseModel) -> httpx.Response:
        if self._async is None:
            self._async = httpx.AsyncClient(
                base_url=self.endpoint,
                timeout=httpx.Timeout(30.0, read=150.0),
                limits=httpx.Limits(max_connections=16),
                verify=self._verify,
                headers=self._headers,
            )
        content = body.model_dump_json().encode()
        deadline = time.monotonic() + RIDE_OUT_S
        delay = 0.1
        while True:
            response: httpx.Response | None = None
            error: BaseException | None = None
            try:
                response = await self._async.request(
                    method, path, content=content, headers={"content-type": "application/json"}
                )
            except httpx.HTTPError as e:
                error = e
            if not _retryable(response, error) or time.monotonic() > deadline:
                if error is not None:
                    raise error
                assert response is not None
                return _check(response)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    def spec(self) -> wire.AttemptSpec:
        """What this attempt must run."""
        return wire.AttemptSpec.model_validate_json(self._send("GET", self.attempt_path).content)

    def heartbeat(self, waiting: bool) -> None:
        """Tells the server this worker is alive; raises AttemptOver when it should stop."""
        self._send("POST", f"{self.attempt_path}/heartbeat", wire.Heartbeat(waiting=waiting))

    def logs(self, lines: list[wire.LogLine]) -> None:
        """Ships captured lines."""
        self._send("POST", f"{self.attempt_path}/logs", wire.LogBatch(lines=lines))

    def report(self, html: str) -> None:
        """Ships the latest report."""
        self._send("POST", f"{self.attempt_path}/report", wire.ReportUpdate(html=html))

    def complete(self, outcome: wire.CompleteAttempt) -> None:
        """Reports the attempt's outputs or error."""
        self._send("POST", f"{self.attempt_path}/complete", outcome)

    async def create_actions(self, actions: list[wire.CreateAction]) -> list[wire.ActionState]:
        """Creates children (idempotently) and returns their states."""
        path = f"{wire.API_PREFIX}/runs/{self.run_name}/actions"
        response = await self._send_async("POST", path, wire.CreateActionsRequest(actions=actions))
        return [wire.ActionState.model_validate(item) for item in response.json()]

    async def wait_actions(self, names: list[str], timeout: float) -> list[wire.ActionState]:
        """The states of those of ``names`` that have ended (long-polls up to ``timeout``)."""
        path = f"{wire.API_PREFIX}/runs/{self.run_name}/actions/wait"
        response = await self._send_async("POST", path, wire.WaitRequest(names=names, timeout=timeout))
        return [wire.ActionState.model_validate(item) for item in response.json()]

    def create_condition(self, condition: wire.CreateCondition) -> wire.ConditionInfo:
        """Creates a condition of this attempt's action (idempotently) and returns it."""
        path = f"{wire.API_PREFIX}/runs/{self.run_name}/conditions"
        return wire.ConditionInfo.model_validate_json(self._send("POST", path, condition).content)

    def wait_condition(self, action_name: str, timeout: float) -> wire.ConditionInfo:
        """The condition once it has ended, or as it is after ``timeout`` seconds (a long poll)."""
        path = f"{wire.API_PREFIX}/runs/{self.run_name}/conditions/{action_name}/wait?timeout={timeout:.3f}"
        return wire.ConditionInfo.model_validate_json(self._send("GET", path).content)

    async def aclose(self) -> None:
        """Closes the async connections."""
        if self._async is not None:
            await self._async.aclose()

    def close(self) -> None:
        """Closes the sync connections (unless they are shared)."""
        if self._owns_sync:
            self._sync.close()
