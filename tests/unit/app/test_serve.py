"""flyte.serve / with_servecontext: settings, modes, and errors before anything runs."""

from __future__ import annotations

import socket

import pytest

import flyte
from flyte._serve import _Serve
from flyte.app import AppEnvironment, Parameter
from flyte.app._local import LocalApp
from flyte.errors import DeploymentError, ParameterMaterializationError


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "cloud"}, "mode"),
        ({"activate_timeout": 0}, "activate_timeout"),
        ({"health_check_path": "health"}, "health_check_path"),
        ({"cluster": "c", "cluster_pool": "p"}, "mutually exclusive"),
    ],
)
def test_bad_settings(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        flyte.with_servecontext(**kwargs)  # type: ignore[arg-type]


def test_mode_follows_the_configuration() -> None:
    assert isinstance(flyte.with_servecontext(), _Serve)
    assert flyte.with_servecontext().mode == "local"
    flyte.init()
    assert flyte.with_servecontext().mode == "local"
    flyte.init(endpoint="http://127.0.0.1:1")
    assert flyte.with_servecontext().mode == "remote"
    assert flyte.with_servecontext(mode="local").mode == "local"


def test_remote_serving_is_refused() -> None:
    flyte.init(endpoint="http://127.0.0.1:1")
    app = AppEnvironment(name="remote-app")
    with pytest.raises(DeploymentError, match="'remote-app' remotely: this server does not host apps yet"):
        flyte.serve(app)
    with pytest.raises(DeploymentError, match="does not host apps"):
        flyte.with_servecontext(mode="remote").serve(app)


def test_serve_checks_its_input(free_port: int) -> None:
    with pytest.raises(TypeError, match="AppEnvironment"):
        flyte.serve("app")  # type: ignore[arg-type]
    with pytest.raises(DeploymentError, match="'empty' has nothing to serve"):
        flyte.serve(AppEnvironment(name="empty", port=free_port))
    with pytest.raises(ValueError, match="\\['other'\\]"):
        flyte.with_servecontext(parameter_values={"other": {"p": "1"}}).serve(AppEnvironment(name="a"))
    with pytest.raises(ParameterMaterializationError, match="'p' of app 'needs'"):
        flyte.serve(AppEnvironment(name="needs", port=free_port, parameters=[Parameter("p")], args="true"))


def test_taken_port_is_reported(free_port: int) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", free_port))
        s.listen()
        app = AppEnvironment(name="taken", port=free_port, args="true")
        with pytest.raises(DeploymentError, match=f"'taken' locally: port {free_port} is already in use"):
            flyte.serve(app)


def test_missing_command_is_reported(free_port: int) -> None:
    app = AppEnvironment(name="nocmd", port=free_port, command="definitely-not-a-program-xyz")
    with pytest.raises(DeploymentError, match=r"'nocmd'.*definitely-not-a-program-xyz"):
        flyte.serve(app)


def test_handle_satisfies_the_protocol(free_port: int) -> None:
    handle = flyte.with_servecontext(mode="local").serve(AppEnvironment(name="idle", port=free_port, args="true"))
    assert isinstance(handle, flyte.AppHandle) and isinstance(handle, LocalApp)
    assert (handle.name, handle.url) == ("idle", f"http://localhost:{free_port}")
    handle.deactivate(wait=True)
    assert handle.is_deactivated() and not handle.is_active()
