"""Link: a protocol a user's class satisfies to add a link to an action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flyte._link import Link


@dataclass
class Dashboard(Link):
    name: str = "Dashboard"
    host: str = "https://grafana.example.org"

    def get_link(
        self,
        run_name: str,
        project: str,
        domain: str,
        context: dict[str, str],
        parent_action_name: str,
        action_name: str,
        pod_name: str,
        **kwargs: Any,
    ) -> str:
        return f"{self.host}/{project}/{domain}/{run_name}/{action_name}?team={context['team']}"


def test_subclass_gets_the_default_icon_and_builds_links() -> None:
    link = Dashboard()
    assert link.icon_uri == ""
    url = link.get_link("r1", "p", "d", {"team": "ml"}, "a0", "a1", "pod-1")
    assert url == "https://grafana.example.org/p/d/r1/a1?team=ml"


def test_link_is_a_protocol() -> None:
    assert getattr(Link, "_is_protocol", False) is True
