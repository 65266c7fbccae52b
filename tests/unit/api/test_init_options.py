"""flyte.init, its variants and with_runcontext: every option of the real SDK is honoured or
refused with a message naming it, never silently dropped."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import certifi
import pytest

import flyte
from flyte._initialize import get_init_state
from flyte._internal.client import client_for, close_clients
from flyte.errors import ConfigError

env = flyte.TaskEnvironment("options")


@env.task
async def context_facts() -> tuple[str, bool, str]:
    context = flyte.ctx()
    assert context is not None
    started = context.run_start_time.isoformat() if context.run_start_time else ""
    return started, context.interactive_mode, context.run_base_dir


@env.task
async def version_seen() -> str:
    context = flyte.ctx()
    assert context is not None
    return context.version or ""


@pytest.fixture(autouse=True)
def restore_logging_and_clients() -> Iterator[None]:
    flyte_logger, user_logger = logging.getLogger("flyte"), logging.getLogger("flyte.user")
    saved = (list(flyte_logger.handlers), flyte_logger.propagate, flyte_logger.level, user_logger.level)
    yield
    flyte_logger.handlers[:] = saved[0]
    flyte_logger.propagate, _ = saved[1], flyte_logger.setLevel(saved[2])
    user_logger.setLevel(saved[3])
    flyte.init()
    close_clients()


@pytest.mark.parametrize(
    ("option", "value"),
    [("auth_type", "ClientSecret"), ("client_id", "abc"), ("headless", True), ("rpc_retries", 5)],
)
def test_init_refuses_options_that_cannot_apply(option: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"flyte.init: {option}=.* is not supported: "):
        flyte.init(**{option: value})  # type: ignore[arg-type]


def test_init_logs_as_json_and_sets_the_user_level(capsys: pytest.CaptureFixture[str]) -> None:
    flyte.init(log_level=logging.INFO, log_format="json", user_log_level=logging.ERROR)
    logging.getLogger("flyte").info("hello %s", "there")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert json.loads(line)["message"] == "hello there"
    assert flyte.logger.getEffectiveLevel() == logging.ERROR
    with pytest.raises(ConfigError, match="log_format must be"):
        flyte.init(log_format="xml")  # type: ignore[arg-type]


def test_init_connection_options_reach_the_client(tmp_path: Path) -> None:
    flyte.init(endpoint="http://127.0.0.1:9", api_key="secret-key", ca_cert_file_path=certifi.where())
    client = client_for("http://127.0.0.1:9")
    assert client._http.headers["Authorization"] == "Bearer secret-key"
    with pytest.raises(ConfigError, match=r"ca_cert_file_path .* is not a file"):
        flyte.init(ca_cert_file_path=str(tmp_path / "missing.pem"))


def test_init_from_api_key_reads_the_endpoint_and_org_from_the_key() -> None:
    key = base64.b64encode(b"http://127.0.0.1:9:client:s3cret:acme").decode()
    flyte.init_from_api_key(api_key=key, project="p")
    state = get_init_state()
    assert (state.endpoint, state.org, state.project, state.api_key) == ("http://127.0.0.1:9", "acme", "p", "s3cret")


def test_init_from_api_key_needs_a_key_and_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="no API key given and FLYTE_API_KEY is not set"):
        flyte.init_from_api_key()
    monkeypatch.setenv("FLYTE_API_KEY", "opaque")
    with pytest.raises(ConfigError, match="does not name a server"):
        flyte.init_from_api_key()


def test_init_passthrough_finds_the_endpoint_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="no endpoint given"):
        flyte.init_passthrough()
    monkeypatch.setenv("FLYTE_ENDPOINT", "http://127.0.0.1:9")
    assert flyte.init_passthrough(project="p") == {"endpoint": "http://127.0.0.1:9", "insecure": False}
    assert get_init_state().endpoint == "http://127.0.0.1:9"
    assert flyte.init_in_cluster(api_key="k")["endpoint"] == "http://127.0.0.1:9"
    assert get_init_state().api_key == "k"


def test_an_unknown_image_builder_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no image builder named 'kaniko'; known builders: local, remote"):
        flyte.init(image_builder="kaniko")


@pytest.mark.parametrize(
    ("option", "value"),
    [("interruptible", True), ("queue", "gpu"), ("dry_run", True), ("service_account", "sa"), ("tracked", True)],
)
def test_with_runcontext_refuses_options_that_cannot_apply(option: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"flyte.with_runcontext: {option}=.* is not supported: "):
        flyte.with_runcontext(**{option: value})  # type: ignore[arg-type]


def test_with_runcontext_checks_the_copy_style() -> None:
    with pytest.raises(ConfigError, match="copy_style must be one of loaded_modules, all, none, got 'some'"):
        flyte.with_runcontext(copy_style="some")
    assert flyte.with_runcontext(mode="local", copy_style="none", interruptible=False).run(version_seen).outputs()
    flyte.init(endpoint="http://127.0.0.1:9")
    with pytest.raises(ConfigError, match="copy_style='none' applies to local runs only"):
        flyte.with_runcontext(mode="remote", copy_style="none").run(version_seen)


def test_local_run_settings_reach_the_tasks(tmp_path: Path) -> None:
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    base = tmp_path / "my-run"
    run = flyte.with_runcontext(mode="local", run_start_time=start, interactive_mode=True, run_base_dir=str(base)).run(
        context_facts
    )
    started, interactive, base_dir = run.outputs()
    assert (started, interactive, base_dir) == (start.isoformat(), True, str(base))


def test_remote_only_settings_are_refused_for_local_mode_only_where_meaningless() -> None:
    flyte.init(endpoint="http://127.0.0.1:9")
    with pytest.raises(ConfigError, match="run_base_dir applies to local runs only"):
        flyte.with_runcontext(mode="remote", run_base_dir="/tmp/x").run(context_facts)


def test_labels_and_annotations_are_recorded_with_a_local_run() -> None:
    from click.testing import CliRunner

    from flyte.cli.main import main

    run = flyte.with_runcontext(
        mode="local", name="labelled", labels={"team": "ml"}, annotations={"ticket": "T-1"}, version="v7"
    ).run(version_seen)
    assert run.outputs()[0] == "v7"
    shown = CliRunner().invoke(main, ["get", "run", "labelled"])
    assert shown.exit_code == 0, shown.output
    assert "Labels:   team=ml" in shown.output and "Notes:    ticket=T-1" in shown.output
    with pytest.raises(ConfigError, match="labels must map strings to strings"):
        flyte.with_runcontext(labels={"n": 1})  # type: ignore[dict-item]


def test_labels_are_refused_for_a_server_run() -> None:
    flyte.init(endpoint="http://127.0.0.1:9")
    with pytest.raises(ConfigError, match="labels applies to local runs only"):
        flyte.with_runcontext(mode="remote", labels={"a": "b"}).run(context_facts)


def test_image_references_resolve_to_the_uris_init_names() -> None:
    image = flyte.Image.from_ref_name("trainer")
    assert image.uri == "trainer"
    flyte.init(images={"trainer": "registry.example/trainer:1"})
    assert image.uri == "registry.example/trainer:1"
    flyte.init_from_config(images=("trainer=registry.example/trainer:2",))
    assert image.uri == "registry.example/trainer:2"
    with pytest.raises(ConfigError, match="written 'name=uri'"):
        flyte.init_from_config(images=("trainer",))
