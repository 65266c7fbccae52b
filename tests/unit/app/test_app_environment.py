"""AppEnvironment: validation, decorators, cloning and the endpoint it reports."""

from __future__ import annotations

import pytest

import flyte
from flyte.app import AppEnvironment, ConnectorEnvironment, Link, Parameter, Port
from flyte.errors import DeploymentError


def test_defaults_and_port() -> None:
    app = AppEnvironment(name="my-app")
    assert isinstance(app, flyte.Environment)
    assert app.get_port() == Port(port=8080)
    assert app.requires_auth and app.cluster_pool == "default"
    assert AppEnvironment(name="a", port=Port(port=9000, name="h2c")).get_port().name == "h2c"


@pytest.mark.parametrize("name", ["My-App", "my_app", "-app", "app-", ""])
def test_name_must_be_dns_like(name: str) -> None:
    with pytest.raises(ValueError, match="name"):
        AppEnvironment(name=name)


@pytest.mark.parametrize("port", [8012, 9090])
def test_reserved_port_refused(port: int) -> None:
    with pytest.raises(ValueError, match=f"AppEnvironment 'a': port {port} is reserved"):
        AppEnvironment(name="a", port=port)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"args": 3}, TypeError, "args"),
        ({"command": ["x", 1]}, TypeError, "command"),
        ({"scaling": 1}, TypeError, "scaling"),
        ({"domain": "x"}, TypeError, "domain"),
        ({"links": ["x"]}, TypeError, "links"),
        ({"timeouts": 1}, TypeError, "timeouts"),
        ({"port": "80"}, TypeError, "port"),
        ({"parameters": ["x"]}, TypeError, "parameters"),
        ({"parameters": [Parameter("p", "1"), Parameter("p", "2")]}, ValueError, "declared twice"),
        ({"cluster": "c", "cluster_pool": "gpu"}, ValueError, "mutually exclusive"),
        ({"command": "python app.py", "parameters": [Parameter("p", "1")]}, ValueError, "'parameters'"),
    ],
)
def test_bad_settings_name_the_app(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as info:
        AppEnvironment(name="bad-app", **kwargs)  # type: ignore[arg-type]
    assert "bad-app" in str(info.value)


def test_fserve_command_allows_parameters() -> None:
    app = AppEnvironment(name="a", command="fserve --x", parameters=[Parameter("p", "1")])
    assert app.local_command() == ["fserve", "--x"]


def test_decorators_return_the_function_and_register_it() -> None:
    app = AppEnvironment(name="a")

    @app.on_startup
    def start() -> None: ...

    @app.server
    async def serve() -> None: ...

    @app.on_shutdown
    def stop() -> None: ...

    assert (app._on_startup, app._server, app._on_shutdown) == (start, serve, stop)


def test_commands() -> None:
    assert AppEnvironment(name="a", args="streamlit run x.py").local_command() == ["streamlit", "run", "x.py"]
    assert AppEnvironment(name="a", command=["a", "b"], args="c").local_command() == ["a", "b"]
    assert AppEnvironment(name="a").local_command() is None
    assert AppEnvironment(name="a", args=["x"]).container_args() == ["x"]


def test_clone_with_keeps_the_server() -> None:
    app = AppEnvironment(name="a", port=8081, links=[Link("/x", "X")])

    @app.server
    def serve() -> None: ...

    clone = app.clone_with("b", port=8082, include=["f.py"])
    assert (clone.name, clone.get_port().port, clone.include, clone._server) == ("b", 8082, ("f.py",), serve)
    assert clone.links == app.links
    with pytest.raises(TypeError, match="unknown settings \\['nope'\\]"):
        app.clone_with("c", nope=1)


def test_endpoint_is_localhost_without_a_server() -> None:
    assert AppEnvironment(name="a", port=8123).endpoint == "http://localhost:8123"
    flyte.init()
    assert AppEnvironment(name="a", port=8123).endpoint == "http://localhost:8123"


def test_endpoint_uses_the_in_cluster_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERNAL_APP_ENDPOINT_PATTERN", "http://{app_fqdn}.svc")
    flyte.init(endpoint="http://127.0.0.1:1")
    assert AppEnvironment(name="a").endpoint == "http://a.svc"


def test_endpoint_with_a_server_is_refused() -> None:
    flyte.init(endpoint="http://127.0.0.1:1")
    with pytest.raises(DeploymentError, match=r"'a'.*does not host apps yet"):
        _ = AppEnvironment(name="a").endpoint


def test_connector_environment() -> None:
    connector = ConnectorEnvironment(name="conn", include=("pkg/conn.py",))
    assert connector.get_port() == Port(port=8080, name="h2c")
    assert connector.container_args()[-2:] == ["--modules", "pkg.conn"]
    assert ConnectorEnvironment(name="conn", args="x").container_args() == ["x"]
