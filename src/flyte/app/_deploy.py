"""``DeployedAppEnvironment``: an app environment together with the app a deployment made of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flyte.app._app_environment import AppEnvironment


@dataclass
class DeployedAppEnvironment:
    """An app environment ``env`` and ``deployed_app``, the app the deployment created (an
    object with ``name``, ``endpoint`` and, on a server, ``revision``)."""

    env: AppEnvironment
    deployed_app: Any

    def get_name(self) -> str:
        """The environment's name."""
        return self.env.name

    def env_repr(self) -> list[tuple[str, ...]]:
        """Rows describing the environment: its name and image."""
        image = self.env.image
        uri = image if isinstance(image, str) else getattr(image, "uri", "") if image is not None else ""
        return [("environment", self.env.name), ("image", str(uri))]

    def table_repr(self) -> list[list[tuple[str, ...]]]:
        """Rows describing the deployed app: its type, name and endpoint."""
        endpoint = str(getattr(self.deployed_app, "endpoint", ""))
        return [
            [("type", "App"), ("name", str(getattr(self.deployed_app, "name", self.env.name))), ("endpoint", endpoint)]
        ]

    def summary_repr(self) -> str:
        """One line: the app and where it is reachable."""
        return f"Deployed App[{self.env.name}] at {getattr(self.deployed_app, 'endpoint', '')}"
