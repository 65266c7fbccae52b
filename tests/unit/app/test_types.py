"""The small value types of flyte.app: ports, scaling, timeouts, domains."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from flyte.app import AppEnvironment, Domain, Link, Port, Scaling, Subdomain, Timeouts


@pytest.mark.parametrize("port", [8012, 8022, 8112, 9090, 9091])
def test_reserved_ports_are_refused(port: int) -> None:
    with pytest.raises(ValueError, match=f"port {port}"):
        Port(port=port)


def test_port_must_be_an_int_in_range() -> None:
    with pytest.raises(TypeError, match="int"):
        Port(port="80")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="out of range"):
        Port(port=70000)
    assert Port(port=8080, name="h2c").name == "h2c"


def test_scaling_normalises_replicas_and_scaledown() -> None:
    assert Scaling(replicas=2).get_replicas() == (2, 2)
    assert Scaling().get_replicas() == (0, 1)
    assert Scaling(scaledown_after=30).scaledown_after == timedelta(seconds=30)
    assert Scaling(metric=Scaling.Concurrency(3)).metric == Scaling.Concurrency(3)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"replicas": -1}, ValueError, "at least 0"),
        ({"replicas": (2, 1)}, ValueError, "maximum"),
        ({"replicas": (1, 2, 3)}, ValueError, "tuple"),
        ({"replicas": "1"}, TypeError, "replicas"),
        ({"metric": 3}, TypeError, "metric"),
        ({"scaledown_after": "1m"}, TypeError, "scaledown_after"),
    ],
)
def test_scaling_rejects_bad_values(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        Scaling(**kwargs)  # type: ignore[arg-type]


def test_scaling_metrics_must_be_positive() -> None:
    with pytest.raises(ValueError, match="Concurrency"):
        Scaling.Concurrency(0)
    with pytest.raises(ValueError, match="RequestRate"):
        Scaling.RequestRate(0)


def test_timeouts() -> None:
    assert Timeouts(request=10).request == timedelta(seconds=10)
    with pytest.raises(ValueError, match="1 hour"):
        Timeouts(request=3601)
    with pytest.raises(ValueError, match="negative"):
        Timeouts(request=-1)
    with pytest.raises(TypeError, match="request"):
        Timeouts(request="5")  # type: ignore[arg-type]


def test_subdomain_resolution() -> None:
    app = AppEnvironment(name="my-app")
    sc = SimpleNamespace(project="p", domain="d")
    assert Subdomain.from_app_name("web", "default").resolve(app, sc) == "web-p-d"
    hashed = Subdomain.from_app_name("web").resolve(app, sc)
    assert hashed.startswith("web-") and len(hashed) == len("web-") + 8
    assert Subdomain.from_function(lambda env, _: f"x-{env.name}").resolve(app, sc) == "x-my-app"
    with pytest.raises(ValueError, match="non-empty"):
        Subdomain.from_function(lambda env, _: "").resolve(app, sc)
    with pytest.raises(ValueError, match="project"):
        Subdomain.from_app_name("web").resolve(app, SimpleNamespace(project="", domain="d"))
    with pytest.raises(ValueError, match="exactly one"):
        Subdomain()


def test_domain_and_link() -> None:
    assert Domain(subdomain="x").custom_domain is None
    assert Link(path="/docs", title="Docs", is_relative=True).is_relative
