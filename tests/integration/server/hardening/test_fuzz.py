"""The whole API fuzzed from the server's own OpenAPI document (schemathesis), on a real server.

Every operation of ``/openapi.json`` is sent cases of three kinds, in a bounded time per database:

- the schema's coverage cases (boundary values, missing and wrong-typed fields, both valid and
  invalid requests);
- generated valid requests, some aimed at objects that exist: a finished run and a run held
  running, their root action and attempt, their bundle, and each attempt's real worker token
  (which the task itself writes out, as only its worker knows it);
- generated invalid requests.

Each answer must not be a 5xx, must have a documented status code, content type and headers, and
a body conforming to the documented schema; no request may go unanswered for ``CLIENT_TIMEOUT_S``.
All distinct failures are collected (not just the first) and reported together, each with a curl
command that reproduces it and the traceback the server logged for it.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import functools
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgpack
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import flyte
from flyte._internal import wire
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, load_workflow
from tests.integration.server.hardening._support import execute, wait_for

AnyCase = Case[Any]
Operation = APIOperation[Any, Any, Any, Any]

BUDGET_S = 60.0
"""Fuzzing time per database, seeding excluded: both databases fit in the module's 3 minutes."""
COVERAGE_SHARE = 0.35
"""The part of the budget for coverage cases; generated cases get the rest."""
POSITIVE_EXAMPLES = 100
SEEDED_EXAMPLES = 100
NEGATIVE_EXAMPLES = 60
CLIENT_TIMEOUT_S = 10.0
"""An answer slower than this is a hang: long polls are shortened below, so nothing legitimately
takes more than a fraction of a second."""
LONG_POLL_S = 0.2
REPRO_CHARS = 3000
NO_INPUTS = base64.b64encode(msgpack.packb({})).decode()
"""Encoded inputs that decode (to no arguments): generated base64 rarely does."""

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# The long polls hold a request for up to their documented maximum (seconds) when nothing
# happens, which here is the usual case: a few such waits would eat the whole budget and look
# like hangs. A valid wait is shortened to LONG_POLL_S; a value beyond the documented bounds is
# left alone, since the server must refuse it at once (and a server that waits on it instead is
# caught by the client timeout).
LONG_POLLS: dict[tuple[str, str], tuple[str, str, float]] = {
    ("GET", "/api/v1/runs/{run}/wait"): ("query", "timeout", wire.MAX_WAIT_S),
    ("GET", "/api/v1/runs/{run}/actions/{action}/logs"): ("query", "wait", 60.0),
    ("POST", "/api/v1/runs/{run}/actions/wait"): ("body", "timeout", wire.MAX_WAIT_S),
    ("GET", "/api/v1/runs/{run}/changes"): ("query", "timeout", wire.MAX_WAIT_S),
    ("GET", "/api/v1/runs/{run}/actions/{action}/changes"): ("query", "timeout", wire.MAX_WAIT_S),
    ("GET", "/api/v1/runs/{run}/conditions/{name}/wait"): ("query", "timeout", wire.MAX_WAIT_S),
}

# Steps of an image recipe that run commands or reach package indexes: a valid recipe is built
# for real, and the fuzzer must not run random shell commands or look up random package names.
# The steps left (variables, folders, file copies, apt presence checks) stay on this machine.
UNSAFE_IMAGE_STEPS = frozenset(
    {"pip", "requirements", "uv_script", "uv_project", "poetry_project", "pixi_project", "commands"}
)

# Operations that end the seeded runs or attempts run last, so that the others see them in flight.
ENDING_OPERATIONS = ("/abort", "/complete")

SEED_WORKFLOW = """
import asyncio
import gc
import json
import os

import flyte
from flyte._internal import wire
from flyte.server.worker.client import WorkerClient

env = flyte.TaskEnvironment(name="fuzz_seed")


@env.task
async def seed(record: str, gate: str) -> str:
    # Only the worker knows its attempt's token (it takes it out of the environment at start),
    # and it runs the task in its own process: the task finds its attempt's client there and
    # hands the token to the fuzzer. The path tells it apart from other attempts' clients.
    me = flyte.ctx()
    attempt = me.attempt_number + 1
    path = f"{wire.API_PREFIX}/attempts/{me.action.run_name}/{me.action.name}/{attempt}"
    (client,) = [o for o in gc.get_objects() if isinstance(o, WorkerClient) and o.attempt_path == path]
    token = client._headers[wire.ATTEMPT_TOKEN_HEADER]
    with open(record + ".partial", "w") as out:
        json.dump({"token": token, "attempt": attempt, "action": me.action.name}, out)
    os.replace(record + ".partial", record)
    while not os.path.exists(gate):
        await asyncio.sleep(0.05)
    return "seeded"
"""


@dataclass(frozen=True)
class Target:
    """An object of the server the fuzzer may aim at: a run, its root action and attempt, its token."""

    run: str
    action: str
    attempt: int
    token: str
    bundle: str
    module: str
    """The bundle's file defining ``task``."""
    task: str

    def path_parameters(self, operation: Operation) -> dict[str, Any]:
        """The values of the operation's path parameters that name this target."""
        known = {"run": self.run, "action": self.action, "attempt": self.attempt, "digest": self.bundle}
        return {p.name: known[p.name] for p in operation.path_parameters if p.name in known}


@dataclass
class Finding:
    """One distinct failure: the first (shortest) case reproducing it and how often it was seen."""

    operation: str
    titles: list[str]
    messages: list[str]
    status: int | None
    kind: str
    reproduce: str
    response: str
    server_log: str
    seen: int = 1

    def render(self, number: int) -> str:
        """The finding as a numbered block of the report."""
        lines = [
            f"[{number}] {self.operation}: {'; '.join(self.titles)} "
            f"({f'status {self.status}' if self.status else 'no answer'}, {self.kind}, seen {self.seen}x)",
            *(f"    {line}" for message in self.messages for line in message.splitlines() if line.strip()),
            f"    response: {self.response}",
            "    reproduce:",
            *(f"      {line}" for line in self.reproduce.splitlines()),
        ]
        if self.server_log:
            lines += ["    server log:", *(f"      {line}" for line in self.server_log.splitlines())]
        return "\n".join(lines)


@dataclass
class Fuzzer:
    """Sends cases to one server and collects the distinct failures."""

    server: ServerHandle
    schema: BaseSchema
    session: requests.Session
    findings: dict[tuple[Any, ...], Finding] = field(default_factory=dict)
    statuses: collections.Counter[tuple[str, int]] = field(default_factory=collections.Counter)
    unsendable: collections.Counter[str] = field(default_factory=collections.Counter)
    calls: int = 0

    def send(self, case: AnyCase) -> None:
        """Sends one case (long polls shortened, image recipes made safe) and checks the answer."""
        _tame(case)
        label = case.operation.label
        log = self.server.log
        assert log is not None
        log_offset = log.stat().st_size
        self.calls += 1
        try:
            response = case.call(base_url=self.server.endpoint, session=self.session, timeout=CLIENT_TIMEOUT_S)
        except requests.Timeout:
            self._record(case, ("hang",), [f"No answer within {CLIENT_TIMEOUT_S:g} s"], None, "(none)", log_offset)
            return
        except requests.ConnectionError as e:
            alive = self.server.process is not None and self.server.process.poll() is None
            title = "connection failed" if alive else "the server process died"
            self._record(case, (title,), [f"{type(e).__name__}: {e}"], None, "(none)", log_offset)
            if not alive:
                raise ServerDied(self.report()) from e
            return
        except (requests.RequestException, ValueError, UnicodeError) as e:
            # The client library cannot put this case on the wire (a header it refuses, a URL it
            # cannot encode): nothing reached the server, so there is nothing to judge.
            self.unsendable[f"{label}: {type(e).__name__}"] += 1
            return
        self.statuses[(label, response.status_code)] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            failures: list[Failure] = list(group.exceptions)
            key = tuple(sorted((type(f).__name__, f._unique_key) for f in failures))
            self._record(
                case,
                key,
                [f"{f.title}: {f.message}" if f.message else f.title for f in failures],
                response.status_code,
                f"{response.status_code} {response.text[:300]!r}",
                log_offset,
                titles=[f.title for f in failures],
            )

    def _record(
        self,
        case: AnyCase,
        key: tuple[Any, ...],
        messages: list[str],
        status: int | None,
        response: str,
        log_offset: int,
        titles: list[str] | None = None,
    ) -> None:
        server_log = _server_log_since(self.server, log_offset) if status is None or status >= 500 else ""
        # Two 500s of one operation are distinct bugs when the server fails with another exception.
        full_key = (case.operation.label, key, status, _exception_type(server_log))
        reproduce = _reproduction(case, self.server.endpoint)
        found = self.findings.get(full_key)
        if found is not None:
            found.seen += 1
            if len(reproduce) < len(found.reproduce):
                found.reproduce, found.response, found.server_log = reproduce, response, server_log or found.server_log
            return
        meta = case.meta
        kind = "no metadata"
        if meta is not None:
            kind = f"{meta.generation.mode.value} case, {meta.phase.name.value}"
            if meta.phase.data.description:
                kind += f": {meta.phase.data.description}"
        self.findings[full_key] = Finding(
            operation=case.operation.label,
            titles=titles or [str(k) for k in key],
            messages=messages,
            status=status,
            kind=kind,
            reproduce=reproduce,
            response=response,
            server_log=server_log,
        )

    def summary(self) -> str:
        """How many calls each operation got, by status code."""
        by_operation: dict[str, dict[int, int]] = collections.defaultdict(dict)
        for (label, status), count in sorted(self.statuses.items()):
            by_operation[label][status] = count
        lines = [f"{self.calls} requests"]
        lines += [
            f"  {label}: " + ", ".join(f"{status}x{count}" for status, count in counts.items())
            for label, counts in by_operation.items()
        ]
        if self.unsendable:
            lines.append(
                "not sendable by the client (skipped): " + ", ".join(f"{k} x{v}" for k, v in self.unsendable.items())
            )
        return "\n".join(lines)

    def report(self) -> str:
        """Every distinct failure, numbered, followed by the summary."""
        blocks = [finding.render(i + 1) for i, finding in enumerate(self.findings.values())]
        return f"{len(self.findings)} distinct failures\n\n" + "\n\n".join(blocks) + "\n\n" + self.summary()


class ServerDied(Exception):
    """The server process exited while being fuzzed; the message is the report so far."""


class _OutOfTime(Exception):
    """Raised inside a Hypothesis run to end it when its time slice is spent."""


def _tame(case: AnyCase) -> None:
    """Shortens the case's long-poll wait and removes unsafe image steps from its body."""
    # Containers are replaced, never edited in place: schemathesis notices replacement and
    # re-checks whether the case is still valid, so its checks judge what was really sent.
    where = LONG_POLLS.get((case.method.upper(), case.path))
    if where is not None:
        location, name, maximum = where
        # An absent wait is the server's default (30 s), as long as a present one.
        if location == "query" and isinstance(case.query, dict):
            case.query = {**case.query, name: _shortened(case.query.get(name, LONG_POLL_S), maximum)}
        elif location == "body" and isinstance(case.body, dict):
            case.body = {**case.body, name: _shortened(case.body.get(name, LONG_POLL_S), maximum)}
    if isinstance(case.body, (dict, list)):
        safe = _safe_images(case.body)
        if safe != case.body:
            case.body = safe


def _safe_images(value: Any) -> Any:
    """``value`` without the unsafe steps of any image recipe in it, wherever it is.

    Recipes come in ``POST /images`` and in every task spec (a run's task, its ``images``, a
    child's task): the server builds them before running the task.
    """
    if isinstance(value, list):
        return [_safe_images(item) for item in value]
    if not isinstance(value, dict):
        return value
    cleaned = {key: _safe_images(item) for key, item in value.items()}
    steps = cleaned.get("steps")
    if isinstance(steps, list):
        cleaned["steps"] = [
            step for step in steps if not (isinstance(step, dict) and str(step.get("kind")) in UNSAFE_IMAGE_STEPS)
        ]
    return cleaned


def _shortened(value: Any, maximum: float) -> Any:
    """``value`` as LONG_POLL_S if it is a wait the server accepts (0 to ``maximum`` s), else as is."""
    if isinstance(value, list):
        return [_shortened(item, maximum) for item in value]
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return value
    try:
        seconds = float(value)
    except ValueError:
        return value
    return LONG_POLL_S if LONG_POLL_S < seconds <= maximum else value


def _reproduction(case: AnyCase, endpoint: str) -> str:
    """A curl command sending the case to ``endpoint``, cut short if huge."""
    try:
        command = case.as_curl_command(base_url=endpoint)
    except Exception as e:  # a case curl cannot express is still reported, as Python
        command = f"# no curl form ({type(e).__name__}); the case: {case!r}"
    if len(command) > REPRO_CHARS:
        command = f"{command[:REPRO_CHARS]}... ({len(command)} characters)"
    return command


def _server_log_since(server: ServerHandle, offset: int) -> str:
    """The traceback the server logged after ``offset`` (condensed to the project's frames)."""
    assert server.log is not None
    deadline = time.monotonic() + 2.0
    text = ""
    while time.monotonic() < deadline:
        with open(server.log, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
        # Uvicorn logs the traceback after the 500 has been sent: wait for its last line.
        if _exception_type(text):
            break
        time.sleep(0.02)
    return _condensed(text)


def _condensed(log: str) -> str:
    """The last traceback of ``log``: its frames in flyte's own code, with their lines, and the error."""
    lines = log.rstrip().splitlines()
    start = max((i for i, line in enumerate(lines) if line.startswith("Traceback")), default=None)
    if start is None:
        return "\n".join(lines[-15:])
    kept = [lines[start]]
    for i, line in enumerate(lines[start + 1 :], start + 1):
        frame = line.strip().startswith("File ")
        if frame and "site-packages" not in line:
            kept += [line, lines[i + 1]] if i + 1 < len(lines) else [line]
        elif not line.startswith(" "):
            kept.append(line)  # the error, and any chained traceback's header
    return "\n".join(kept)


def _exception_type(log: str) -> str:
    """The class of the last exception in a logged traceback, or ''."""
    for line in reversed(log.strip().splitlines()):
        match = re.match(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))\b", line)
        if match:
            return match.group(1)
    return ""


def _hypothesis_settings(max_examples: int) -> settings:
    # No shrinking: failures are recorded, not raised, so there is nothing to shrink, and the
    # time goes to new cases instead. No example database: every run starts fresh.
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        # The runs that end on _OutOfTime would otherwise print a seed to reproduce them.
        verbosity=Verbosity.quiet,
        # CI sends the same cases every time (a failure there is reproducible, not luck); a
        # developer's run explores new ones.
        derandomize=os.environ.get("CI") == "true",
    )


def _run_strategy(fuzzer: Fuzzer, strategy: st.SearchStrategy[AnyCase], max_examples: int, deadline: float) -> None:
    """Sends up to ``max_examples`` cases drawn from ``strategy``, stopping at ``deadline``."""

    @_hypothesis_settings(max_examples)
    @given(case=strategy)
    def send(case: AnyCase) -> None:
        if time.monotonic() > deadline:
            raise _OutOfTime
        fuzzer.send(case)

    # Unsatisfiable: the operation has no input that can be made invalid (e.g. only free-text
    # path parameters), so there are no negative cases to send.
    with contextlib.suppress(_OutOfTime, Unsatisfiable):
        send()


def _slices(items: list[Any], budget: float) -> Iterator[tuple[Any, float]]:
    """Each item with its deadline: the time left shared among the items left."""
    end = time.monotonic() + budget
    for i, item in enumerate(items):
        now = time.monotonic()
        yield item, now + max(end - now, 0.0) / (len(items) - i)


def _coverage(fuzzer: Fuzzer, operations: list[Operation], budget: float) -> None:
    """Sends each operation's coverage cases, in order, for its share of ``budget``."""
    schema = fuzzer.schema
    for operation, deadline in _slices(operations, budget):
        cases = schema.iter_coverage_cases(
            operation,
            generation_modes=list(GenerationMode),
            generation_config=schema.config.generation_for(operation=operation, phase="coverage"),
        )
        for case in cases:
            if time.monotonic() > deadline:
                break
            fuzzer.send(case)


def _seeded_strategy(operation: Operation, targets: list[Target]) -> st.SearchStrategy[AnyCase] | None:
    """Valid cases naming the targets, with their worker's token where the operation takes one."""
    token_header = next(
        (p.name for p in operation.headers if p.name.lower() == wire.ATTEMPT_TOKEN_HEADER.lower()), None
    )
    strategies: list[st.SearchStrategy[AnyCase]] = []
    for target in targets:
        path = target.path_parameters(operation)
        headers = {token_header: target.token} if token_header else None
        if path or headers:
            strategies.append(operation.as_strategy(path_parameters=path, headers=headers))
        if "run" in path and len(path) > 1:
            # The run exists but the rest is generated: actions and attempts that do not.
            strategies.append(operation.as_strategy(path_parameters={"run": path["run"]}, headers=headers))
    # Generated task specs almost never name a file of the run's bundle, nor carry base64
    # inputs: those of new runs and children are made to, so that they pass validation and
    # reach the scheduler and a worker with generated resources, retries, timeouts and images.
    key = (operation.method.upper(), operation.path)
    if key == ("POST", f"{wire.API_PREFIX}/runs"):
        strategies += [
            operation.as_strategy().map(functools.partial(_run_in_bundle, target=targets[0], task=task))
            for task in (None, targets[0].task)
        ]
    elif key == ("POST", f"{wire.API_PREFIX}/runs/{{run}}/actions"):
        strategies = [s.map(functools.partial(_children_in_bundle, target=targets[0])) for s in strategies]
    return st.one_of(strategies) if strategies else None


def _run_in_bundle(case: AnyCase, target: Target, task: str | None) -> AnyCase:
    """The run-creating case running a file of the target's bundle (and its ``task``, if given)."""
    body: Any = case.body  # generated JSON: checked piece by piece below
    if isinstance(body, dict) and isinstance(body.get("task"), dict):
        spec = {**body["task"], "module": target.module}
        if task is not None:
            spec["name"] = task
        case.body = {**body, "bundle": target.bundle, "task": spec, "inputs": NO_INPUTS}
    return case


def _children_in_bundle(case: AnyCase, target: Target) -> AnyCase:
    """The child-creating case with children of the target's action, in a file of its bundle."""
    body: Any = case.body  # generated JSON: checked piece by piece below
    if isinstance(body, dict) and isinstance(body.get("actions"), list):
        children = []
        for child in body["actions"]:
            if isinstance(child, dict) and isinstance(child.get("task"), dict):
                child = {**child, "parent": target.action, "inputs": NO_INPUTS}
                child["task"] = {**child["task"], "module": target.module}
                if isinstance(child.get("outputs"), str):
                    child["outputs"] = NO_INPUTS
            children.append(child)
        case.body = {**body, "actions": children}
    return case


def _fuzz(fuzzer: Fuzzer, operations: list[Operation], targets: list[Target], budget: float) -> None:
    """Sends each operation seeded, valid and invalid generated cases, for its share of ``budget``."""
    for operation, deadline in _slices(operations, budget):
        runs: list[tuple[st.SearchStrategy[AnyCase], int]] = []
        seeded = _seeded_strategy(operation, targets)
        if seeded is not None:
            runs.append((seeded, SEEDED_EXAMPLES))
        runs.append((operation.as_strategy(generation_mode=GenerationMode.POSITIVE), POSITIVE_EXAMPLES))
        runs.append((operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), NEGATIVE_EXAMPLES))
        for (strategy, examples), run_deadline in _slices(runs, max(deadline - time.monotonic(), 0.0)):
            _run_strategy(fuzzer, strategy, examples, run_deadline)


def _seed(server: ServerHandle, folder: Path) -> list[Target]:
    """A finished run and a run held running, with their worker tokens (read from the tasks)."""
    connect(server)
    wf = load_workflow(SEED_WORKFLOW)
    module = Path(str(wf.__file__)).relative_to(Path.cwd()).as_posix()
    open_gate = folder / "open-gate"
    open_gate.touch()
    done = flyte.run(wf.seed, str(folder / "done.json"), str(open_gate))
    held = flyte.run(wf.seed, str(folder / "held.json"), str(folder / "never-opened"))
    assert finished(done).phase == "SUCCEEDED"
    wait_for(lambda: (folder / "held.json").exists(), what="the held run's worker writing its token")

    def target(run: flyte.Run, record: Path) -> Target:
        info = json.loads(record.read_text())
        (bundle,) = execute(server, "SELECT bundle FROM runs WHERE name = :name", name=run.name)[0]
        return Target(run.name, info["action"], info["attempt"], info["token"], bundle, module, wf.seed.name)

    return [target(done, folder / "done.json"), target(held, folder / "held.json")]


def _operations(schema: BaseSchema) -> list[Operation]:
    """The schema's operations, those ending runs and attempts last."""
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    return sorted(operations, key=lambda op: op.path.endswith(ENDING_OPERATIONS))


@pytest.mark.timeout(170)
# The runs the fuzzer creates queue behind two workers, leaving the machine to the requests.
@pytest.mark.server_options(max_workers=2)
def test_every_operation_survives_generated_requests(flyte_server: ServerHandle, tmp_path: Path) -> None:
    """No request, valid or not, makes the server fail, hang or answer outside its documented API."""
    targets = _seed(flyte_server, tmp_path)
    # Bundles travel as application/gzip: raw bytes, as schemathesis sends octet-stream bodies.
    schemathesis.serializer.alias("application/gzip", "application/octet-stream")
    # Curl commands must show the attempt token header: they are meant to reproduce the request.
    config = schemathesis.Config.from_dict({"output": {"sanitization": {"enabled": False}}})
    schema = schemathesis.openapi.from_url(f"{flyte_server.endpoint}/openapi.json", config=config, timeout=10)
    operations = _operations(schema)
    assert len(operations) >= 20, [op.label for op in operations]

    with requests.Session() as session:
        fuzzer = Fuzzer(flyte_server, schema, session)
        try:
            _coverage(fuzzer, operations, BUDGET_S * COVERAGE_SHARE)
            _fuzz(fuzzer, operations, targets, BUDGET_S * (1 - COVERAGE_SHARE))
        except ServerDied as e:
            pytest.fail(f"The server died while being fuzzed:\n{e}", pytrace=False)
    if fuzzer.findings:
        pytest.fail(fuzzer.report(), pytrace=False)
    print(fuzzer.summary())
    # Still serving: the fuzzing did not leave it broken.
    assert httpx.get(f"{flyte_server.endpoint}{wire.API_PREFIX}/info", timeout=10).status_code == 200
