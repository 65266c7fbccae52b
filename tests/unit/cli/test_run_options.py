"""The options ``flyte run`` shares with the real CLI: ``-p/-d``, ``--root-dir``,
``--raw-data-path``, ``--label``, ``--image``, ``--copy-style``, ``--version`` (and
``--service-account``, ``--queue``, ``--max-action-concurrency``): each reaches
``flyte.init_from_config``/``flyte.with_runcontext``, or is refused there in one line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import flyte as flyte_api
from flyte._internal.store.local_db import default_store
from tests.unit.cli.run_helpers import FakeRunAPI, flyte, forget_modules, write
from tests.unit.remote.fake_server import ENDPOINT, FakeServer, install

HELLO = """
    import flyte

    env = flyte.TaskEnvironment(name="opts")


    @env.task
    async def main(x: int = 1) -> str:
        return f"{flyte.ctx().raw_data_path}|{flyte.current_project()}|{flyte.current_domain()}"


    @env.task
    async def writes() -> flyte.io.File:
        path = "made.txt"
        with open(path, "w") as f:
            f.write("data")
        return await flyte.io.File.from_local(path)
"""


@pytest.fixture
def hello() -> Iterator[Path]:
    before_path, before_modules = list(sys.path), set(sys.modules)
    yield write(Path("hello.py"), HELLO)
    forget_modules(before_path, before_modules)


@pytest.fixture
def api(hello: Path, monkeypatch: pytest.MonkeyPatch) -> FakeRunAPI:
    fake = FakeRunAPI()
    monkeypatch.setattr(flyte_api, "with_runcontext", fake.with_runcontext)
    return fake


@pytest.fixture
def init_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Records the keyword arguments of ``flyte.init_from_config`` (which still runs)."""
    calls: list[dict[str, Any]] = []
    real = flyte_api.init_from_config

    def recording(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(flyte_api, "init_from_config", recording)
    return calls


def _one_line_error(*args: str) -> str:
    result = flyte("run", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr.strip()


def test_options_reach_init_and_the_run_context(api: FakeRunAPI, init_calls: list[dict[str, Any]]) -> None:
    result = flyte(
        "run",
        *("-p", "proj", "-d", "staging", "--root-dir", ".", "--raw-data-path", "/tmp/raw"),
        *("--copy-style", "all", "--max-action-concurrency", "3"),
        "hello.py",
        "main",
    )
    assert result.exit_code == 0, result.output
    assert init_calls[-1]["project"] == "proj" and init_calls[-1]["domain"] == "staging"
    assert init_calls[-1]["root_dir"] == Path(".")
    settings = api.settings
    assert (settings["project"], settings["domain"]) == ("proj", "staging")
    assert settings["raw_data_path"] == "/tmp/raw"
    assert settings["copy_style"] == "all"
    assert settings["max_action_concurrency"] == 3


def test_labels_version_and_the_like_go_to_the_run_context(api: FakeRunAPI) -> None:
    args = ["--label", "team=ml", "--label", "env=prod", "--version", "v1", "--service-account", "sa", "--queue", "q"]
    assert flyte("run", *args, "hello.py", "main").exit_code == 0
    assert api.settings["labels"] == {"team": "ml", "env": "prod"}
    assert (api.settings["version"], api.settings["service_account"], api.settings["queue"]) == ("v1", "sa", "q")


def test_project_domain_and_raw_data_path_are_honoured_by_a_local_run(hello: Path) -> None:
    raw = Path.cwd() / "raw-data"
    result = flyte("--no-progress", "run", "-p", "p1", "-d", "d1", "--raw-data-path", str(raw), "hello.py", "main")
    assert result.exit_code == 0, result.output
    assert f"o0 = '{raw}|p1|d1'" in result.stdout


def test_raw_data_path_receives_the_runs_data(hello: Path) -> None:
    raw = Path.cwd() / "raw-data"
    result = flyte("--no-progress", "run", "--raw-data-path", str(raw), "--name", "w1", "hello.py", "writes")
    assert result.exit_code == 0, result.output
    assert [p.read_text() for p in raw.rglob("made.txt")] == ["data"]
    assert default_store().has_run("w1")


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--service-account", "sa"], "service_account='sa' is not supported"),
        (["--queue", "gpu"], "queue='gpu' is not supported"),
        (["--copy-style", "custom"], "copy_style must be one of"),
    ],
)
def test_refused_options_are_one_line_errors(hello: Path, option: list[str], message: str) -> None:
    error = _one_line_error(*option, "hello.py", "main")
    assert error.startswith("Error: flyte.with_runcontext: ")
    assert message in error


def test_images_reach_init_a_name_less_one_being_the_default(api: FakeRunAPI, init_calls: list[dict[str, Any]]) -> None:
    args = ["--image", "ghcr.io/org/default:1", "--image", "gpu=ghcr.io/org/gpu:2"]
    assert flyte("run", *args, "hello.py", "main").exit_code == 0
    assert init_calls[-1]["images"] == ("default=ghcr.io/org/default:1", "gpu=ghcr.io/org/gpu:2")


def test_a_bad_image_is_a_one_line_error_of_init(hello: Path) -> None:
    assert _one_line_error("--image", "=ghcr.io/org/x:1", "hello.py", "main").startswith(
        "Error: flyte.init_from_config: "
    )


def test_a_bad_label_is_a_one_line_error(hello: Path) -> None:
    assert _one_line_error("--label", "nolabel", "hello.py", "main") == (
        "Error: Invalid value for '--label': 'nolabel' is not KEY=VALUE"
    )


@pytest.mark.parametrize(
    ("option", "name"),
    [
        (["--raw-data-path", "/tmp/raw"], "raw_data_path"),
        (["--label", "a=b"], "labels"),
        (["--version", "v1"], "version"),
    ],
)
def test_local_only_options_are_refused_for_a_server_run(
    hello: Path, monkeypatch: pytest.MonkeyPatch, option: list[str], name: str
) -> None:
    monkeypatch.setenv("FLYTE_ADMIN_ENDPOINT", ENDPOINT)
    server = FakeServer()
    install(monkeypatch, server)
    error = _one_line_error(*option, "hello.py", "main")
    assert error.startswith(f"Error: flyte.with_runcontext: {name} applies to local runs only")
    assert server.created == []


def test_server_runs_get_project_domain_and_the_root_dir(hello: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_ADMIN_ENDPOINT", ENDPOINT)
    server = FakeServer()
    install(monkeypatch, server)
    write(Path("sub/extra.txt"), "extra")
    result = flyte("run", "-p", "proj", "-d", "prod", "--root-dir", ".", "--copy-style", "all", "hello.py", "main")
    assert result.exit_code == 0, result.output
    [request] = server.created
    assert (request.project, request.domain) == ("proj", "prod")
    import gzip
    import io
    import tarfile

    assert request.bundle is not None
    data = server.bundles[request.bundle]
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        assert "sub/extra.txt" in tar.getnames()  # --copy-style all ships every file of the root
