"""Apps: long-running servers (APIs, dashboards, model servers) declared next to tasks.

Declare one with :class:`AppEnvironment`, give it a server with ``@app_env.server`` (or a
``command``), and serve it with ``flyte.serve(app_env)``.
"""

from flyte.app._app_environment import AppEnvironment
from flyte.app._connector_environment import ConnectorEnvironment
from flyte.app._context import ctx
from flyte.app._deploy import DeployedAppEnvironment
from flyte.app._parameter import AppEndpoint, ArtifactValue, Parameter, RunOutput, get_parameter
from flyte.app._types import Domain, Link, Port, Scaling, Subdomain, Timeouts

__all__ = [
    "AppEndpoint",
    "AppEnvironment",
    "ArtifactValue",
    "ConnectorEnvironment",
    "DeployedAppEnvironment",
    "Domain",
    "Link",
    "Parameter",
    "Port",
    "RunOutput",
    "Scaling",
    "Subdomain",
    "Timeouts",
    "ctx",
    "get_parameter",
]
