"""flyte.init and init_from_config: project, domain and where runs go."""

from __future__ import annotations

from pathlib import Path

import pytest

import flyte
import flyte.errors

env = flyte.TaskEnvironment(name="init_checks")


@env.task
async def where_am_i() -> str:
    c = flyte.ctx()
    assert c is not None
    return f"{c.action.project}/{c.action.domain}"


def test_init_sets_project_and_domain_of_runs() -> None:
    flyte.init(project="proj", domain="staging")
    assert flyte.current_project() == "proj"
    assert flyte.current_domain() == "staging"
    assert flyte.run(where_am_i).outputs()[0] == "proj/staging"
    assert not flyte.is_control_plane_available()


def test_init_from_config_reads_the_file(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("task:\n  project: from-file\n  domain: production\n")
    flyte.init_from_config(config)
    assert flyte.run(where_am_i).outputs()[0] == "from-file/production"


def test_with_an_endpoint_runs_are_remote_unless_local_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.remote.fake_server import ENDPOINT, FakeServer, install

    server = FakeServer()
    install(monkeypatch, server)
    flyte.init(endpoint=ENDPOINT)
    assert flyte.is_control_plane_available()
    assert flyte.run(where_am_i).name == server.created[0].name
    assert flyte.with_runcontext(mode="local").run(where_am_i).outputs()[0] == "flytesnacks/development"


def test_run_without_init_uses_defaults() -> None:
    assert flyte.run(where_am_i).outputs()[0] == "flytesnacks/development"
