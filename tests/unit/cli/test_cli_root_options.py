"""The root options of ``flyte``: --endpoint, --insecure, --org, -v, --log-format, -of and
--no-progress, each shown to change what a command does (real local runs; the fake server
stands in for a remote one)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import click.testing
import pytest
import yaml

from flyte._internal import wire
from flyte._internal.serde import pack
from flyte.cli.main import endpoint_url
from tests.unit.cli.run_helpers import flyte, forget_modules, write
from tests.unit.remote.fake_server import FakeServer, Outcome, install

WORKFLOW = """
    from pathlib import Path

    import flyte

    env = flyte.TaskEnvironment(name="opts")


    @env.task
    async def org_of() -> str:
        return str(flyte.ctx().action.org)


    @env.task(retries=1)
    async def flaky() -> int:
        marker = Path("flaky.marker")
        if not marker.exists():
            marker.write_text("failed once")
            raise ValueError("first attempt fails")
        return 1


    @env.task
    async def progress_drawn() -> bool:
        import threading

        return any(t.name == "flyte-progress" for t in threading.enumerate())


    @env.task
    async def double(x: int) -> int:
        return 2 * x
"""

OTHER = "http://other.test:9000"


@pytest.fixture
def wf() -> Iterator[Path]:
    """``opts.py`` in the working folder; the modules it loads are forgotten afterwards."""
    before_path, before_modules = list(sys.path), set(sys.modules)
    yield write(Path("opts.py"), WORKFLOW)
    forget_modules(before_path, before_modules)


def _ok(*args: str) -> click.testing.Result:
    result = flyte(*args)
    assert result.exit_code == 0, result.output
    return result


def test_endpoint_option_selects_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    server = FakeServer()
    install(monkeypatch, server, OTHER)
    spec = wire.TaskSpec(name="hello.main", module="hello.py")
    server.add_run(wire.CreateRunRequest(name="far-run", task=spec, inputs=pack({})), Outcome())
    # Without the option, no endpoint is configured: the (empty) local database is read.
    assert _ok("get", "run").stdout == "No runs.\n"
    listing = _ok("--endpoint", OTHER, "get", "run").stdout.splitlines()
    assert listing[1].split()[:3] == ["far-run", "hello.main", "SUCCEEDED"]


def test_endpoint_option_overrides_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_ADMIN_ENDPOINT", "http://configured.test:1")
    shown = yaml.safe_load(_ok("--endpoint", OTHER, "get", "config").stdout)
    assert shown["admin"]["endpoint"] == OTHER
    # An empty endpoint means no server: the local runs database is read.
    assert _ok("--endpoint", "", "get", "run").stdout == "No runs.\n"


def test_insecure_picks_the_scheme_of_a_bare_endpoint() -> None:
    secure = yaml.safe_load(_ok("--endpoint", "host.test:81", "get", "config").stdout)
    assert secure["admin"] == {"endpoint": "https://host.test:81", "insecure": False, "api_key": None}
    out = _ok("--endpoint", "dns:///host.test:81", "--insecure", "get", "config").stdout
    assert "# overridden by options: --endpoint, --insecure" in out
    assert yaml.safe_load(out)["admin"] == {"endpoint": "http://host.test:81", "insecure": True, "api_key": None}
    assert endpoint_url("https://x.test", insecure=True) == "https://x.test"


@pytest.mark.usefixtures("wf")
def test_org_reaches_the_run() -> None:
    assert "  o0 = 'None'" in _ok("run", "--local", "opts.py", "org_of").stdout.splitlines()
    assert "  o0 = 'acme'" in _ok("--org", "acme", "run", "--local", "opts.py", "org_of").stdout.splitlines()
    assert yaml.safe_load(_ok("--org", "acme", "get", "config").stdout)["task"]["org"] == "acme"


@pytest.mark.usefixtures("wf")
def test_verbose_logs_flytes_records_on_stderr() -> None:
    quiet = _ok("run", "--local", "opts.py", "flaky")
    assert "retrying" not in quiet.stderr
    Path("flaky.marker").unlink()
    loud = _ok("-v", "run", "--local", "opts.py", "flaky")
    [line] = [line for line in loud.stderr.splitlines() if "retrying" in line]
    assert " INFO flyte: Task 'opts.flaky' attempt 1 failed (ValueError); retrying" in line
    # The command leaves the logger as it found it.
    assert logging.getLogger("flyte").level == logging.NOTSET
    assert logging.getLogger("flyte").handlers == []


@pytest.mark.usefixtures("wf")
def test_log_format_json_writes_json_lines() -> None:
    result = _ok("-v", "--log-format", "json", "run", "--local", "opts.py", "flaky")
    records = [json.loads(line) for line in result.stderr.splitlines()]
    retry = next(r for r in records if "retrying" in r["message"])
    assert (retry["level"], retry["logger"]) == ("INFO", "flyte")


def test_very_verbose_shows_the_traceback_of_a_user_error() -> None:
    plain = flyte("get", "run", "nope")
    assert plain.exit_code == 1 and plain.stderr.count("\n") == 1
    loud = flyte("-vv", "get", "run", "nope")
    assert loud.exit_code == 1
    assert loud.stderr.startswith("Traceback (most recent call last):")
    assert loud.stderr.splitlines()[-1].startswith("Error: no run named 'nope'")


@pytest.mark.usefixtures("wf")
def test_output_format_of_the_root_changes_listings() -> None:
    name = _ok("run", "--local", "--name", "dbl-run", "opts.py", "double", "--x", "4").stdout.split()[1]
    assert name == "dbl-run"
    table = _ok("get", "run").stdout.splitlines()
    assert table[0].split() == ["NAME", "TASK", "PHASE", "STARTED", "DURATION"]
    as_json = json.loads(_ok("-of", "json", "get", "run").stdout)
    assert [(r["name"], r["phase"]) for r in as_json] == [("dbl-run", "SUCCEEDED")]
    as_yaml = yaml.safe_load(_ok("--output-format", "yaml", "get", "run").stdout)
    assert [(r["name"], r["task_name"]) for r in as_yaml] == [("dbl-run", "opts.double")]
    shown = yaml.safe_load(_ok("-of", "yaml", "get", "run", "dbl-run").stdout)
    assert shown["run"]["name"] == "dbl-run" and shown["actions"][0]["name"] == "a0"
    io = json.loads(_ok("-of", "json", "get", "io", "dbl-run").stdout)
    assert (io["inputs"], io["outputs"]) == ({"x": 4}, {"o0": 8})
    # The command's own option wins over the root's.
    assert _ok("-of", "json", "get", "run", "--output-format", "table").stdout.startswith("NAME")


@pytest.mark.usefixtures("wf")
def test_no_progress_turns_the_progress_line_off(monkeypatch: pytest.MonkeyPatch) -> None:
    # The captured stdout claims to be a terminal, where the progress line is drawn; the task
    # reports whether the thread that draws it exists while the run executes.
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True, raising=False)
    drawn = _ok("run", "--local", "opts.py", "progress_drawn").stdout
    assert "  o0 = True" in drawn
    assert "  o0 = False" in _ok("--no-progress", "run", "--local", "opts.py", "progress_drawn").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-of", "xml", "get", "run"], "Error: Invalid value for '-of' / '--output-format': "),
        (["--log-format", "text", "get", "run"], "Error: Invalid value for '--log-format': "),
        (["--endpoint"], "Error: Option '--endpoint' requires an argument."),
    ],
)
def test_bad_root_options_are_one_line(args: list[str], message: str) -> None:
    result = flyte(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr


def test_output_format_of_config_and_secrets() -> None:
    assert json.loads(_ok("-of", "json", "--org", "acme", "get", "config").stdout)["task"]["org"] == "acme"
    _ok("create", "secret", "token", "s3cret", "-p", "proj")
    listed = yaml.safe_load(_ok("-of", "yaml", "get", "secret").stdout)
    assert listed == [{"name": "token", "project": "proj", "domain": None}]
    assert "s3cret" not in _ok("-of", "json", "get", "secret").stdout
