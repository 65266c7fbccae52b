"""``ConnectorEnvironment``: an app that runs custom Flyte connectors."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from flyte.app._app_environment import AppEnvironment
from flyte.app._types import Port


@dataclass(init=True, repr=True, eq=False)
class ConnectorEnvironment(AppEnvironment):
    """An app serving the connector modules listed in ``include`` (file paths such as
    ``my_connector/connector.py``) on an HTTP/2 port (8080 by default)."""

    type: str = "connector"
    port: int | Port = field(default_factory=lambda: Port(port=8080, name="h2c"))

    def container_args(self) -> list[str]:
        """The connector process's arguments: ``args`` when given, else the port and the modules
        named by ``include``."""
        if self.args is not None:
            return super().container_args()
        argv = ["c0", "--port", str(self.get_port().port), "--prometheus_port", "9092"]
        if self.include:
            argv += ["--modules", *(path.replace(os.sep, ".").removesuffix(".py") for path in self.include)]
        return argv
