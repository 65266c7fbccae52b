"""The small value types an app environment is configured with: port, scaling, domain, links, timeouts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Callable, Literal, Optional, Tuple, Union

if TYPE_CHECKING:
    from flyte.app._app_environment import AppEnvironment

RESERVED_APP_PORTS: tuple[int, ...] = (8012, 8022, 8112, 9090, 9091)
"""Ports the platform's sidecars listen on; an app cannot take them."""

_MAX_REQUEST_TIMEOUT = timedelta(hours=1)
_PROJECT_DOMAIN_HASH_LEN = 8


@dataclass(frozen=True)
class Port:
    """The port an app listens on, with an optional protocol name (``"h2c"``, ``"http1"``)."""

    port: int
    name: Optional[str] = None

    def __post_init__(self) -> None:
        if isinstance(self.port, bool) or not isinstance(self.port, int):
            raise TypeError(f"Port must be an int, got {self.port!r}")
        if self.port in RESERVED_APP_PORTS:
            reserved = ", ".join(str(p) for p in RESERVED_APP_PORTS)
            raise ValueError(f"port {self.port} is not allowed: ports {reserved} are reserved")
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is out of range (1-65535)")


@dataclass(frozen=True)
class Link:
    """A link shown next to the app: ``path`` is a URL, or relative to the app's endpoint."""

    path: str
    title: str
    is_relative: bool = False


@dataclass
class Scaling:
    """How many replicas an app runs: ``replicas`` is a fixed count or a ``(min, max)`` range.

    ``metric`` (``Scaling.Concurrency`` or ``Scaling.RequestRate``) decides when to scale up and
    ``scaledown_after`` (seconds or a ``timedelta``) how long an idle replica is kept. The
    default, ``(0, 1)``, scales to zero when idle.
    """

    @dataclass(frozen=True)
    class Concurrency:
        """Scale up when a replica has more than ``val`` requests in flight."""

        val: int

        def __post_init__(self) -> None:
            if self.val < 1:
                raise ValueError(f"Scaling.Concurrency must be at least 1, got {self.val}")

    @dataclass(frozen=True)
    class RequestRate:
        """Scale up when a replica receives more than ``val`` requests per second."""

        val: int

        def __post_init__(self) -> None:
            if self.val < 1:
                raise ValueError(f"Scaling.RequestRate must be at least 1, got {self.val}")

    replicas: Union[int, Tuple[int, int]] = (0, 1)
    metric: Optional[Union[Concurrency, RequestRate]] = None
    scaledown_after: int | timedelta | None = None

    def __post_init__(self) -> None:
        if isinstance(self.replicas, bool):
            raise TypeError("replicas must be an int or a (min, max) tuple of ints")
        if isinstance(self.replicas, int):
            if self.replicas < 0:
                raise ValueError(f"replicas must be at least 0, got {self.replicas}")
            self.replicas = (self.replicas, self.replicas)
        elif isinstance(self.replicas, tuple):
            if len(self.replicas) != 2:
                raise ValueError(f"replicas must be a (min, max) tuple, got {self.replicas!r}")
            low, high = self.replicas
            if low < 0:
                raise ValueError(f"the minimum of replicas must be at least 0, got {low}")
            if high < 1 or high < low:
                raise ValueError(f"the maximum of replicas must be at least 1 and at least the minimum, got {high}")
        else:
            raise TypeError(f"replicas must be an int or a (min, max) tuple of ints, got {self.replicas!r}")
        if self.metric is not None and not isinstance(self.metric, (Scaling.Concurrency, Scaling.RequestRate)):
            raise TypeError(f"metric must be a Scaling.Concurrency or Scaling.RequestRate, got {self.metric!r}")
        if self.scaledown_after is not None:
            if isinstance(self.scaledown_after, int) and not isinstance(self.scaledown_after, bool):
                self.scaledown_after = timedelta(seconds=self.scaledown_after)
            elif not isinstance(self.scaledown_after, timedelta):
                raise TypeError(f"scaledown_after must be seconds or a timedelta, got {self.scaledown_after!r}")

    def get_replicas(self) -> Tuple[int, int]:
        """The ``(min, max)`` replica range."""
        if isinstance(self.replicas, int):
            return self.replicas, self.replicas
        return self.replicas


@dataclass
class Timeouts:
    """Time limits of an app: ``request`` bounds one request (seconds or a ``timedelta``, at most an hour)."""

    request: int | timedelta | None = None

    def __post_init__(self) -> None:
        if self.request is None:
            return
        if isinstance(self.request, int) and not isinstance(self.request, bool):
            self.request = timedelta(seconds=self.request)
        elif not isinstance(self.request, timedelta):
            raise TypeError(f"Timeouts.request must be seconds or a timedelta, got {type(self.request).__name__}")
        if self.request < timedelta(0):
            raise ValueError("Timeouts.request must not be negative")
        if self.request > _MAX_REQUEST_TIMEOUT:
            raise ValueError("Timeouts.request must not exceed 1 hour (3600 seconds)")


@dataclass(frozen=True)
class Subdomain:
    """A subdomain decided at deploy time, once the project and domain are known.

    Build it with :meth:`from_app_name` (``{app_name}-{hash of project-domain}`` or
    ``{app_name}-{project}-{domain}``) or :meth:`from_function` (any function of the app and the
    deployment's serialization context).
    """

    app_name: Optional[str] = None
    project_domain_suffix: Literal["hash", "default"] = "hash"
    function: Optional[Callable[[AppEnvironment, object], str]] = None

    def __post_init__(self) -> None:
        if (self.app_name is None) == (self.function is None):
            raise ValueError("Subdomain takes exactly one of app_name or function")
        if self.project_domain_suffix not in ("hash", "default"):
            raise ValueError(f"project_domain_suffix must be 'hash' or 'default', got {self.project_domain_suffix!r}")

    @classmethod
    def from_app_name(cls, app_name: str, project_domain_suffix: Literal["hash", "default"] = "hash") -> Subdomain:
        """A subdomain named after the app, suffixed by a hash of (or by) the project and domain."""
        return cls(app_name=app_name, project_domain_suffix=project_domain_suffix)

    @classmethod
    def from_function(cls, function: Callable[[AppEnvironment, object], str]) -> Subdomain:
        """A subdomain computed by ``function(app_env, serialization_context)`` at deploy time."""
        return cls(function=function)

    def resolve(self, app_env: AppEnvironment, serialization_context: object) -> str:
        """The subdomain for ``app_env`` deployed with ``serialization_context`` (which has
        ``project`` and ``domain``)."""
        if self.function is not None:
            subdomain = self.function(app_env, serialization_context)
            if not isinstance(subdomain, str) or not subdomain:
                raise ValueError(
                    f"the subdomain function of app {app_env.name!r} must return a non-empty str, got {subdomain!r}"
                )
            return subdomain
        project = getattr(serialization_context, "project", None)
        domain = getattr(serialization_context, "domain", None)
        if not project or not domain:
            raise ValueError(
                f"the subdomain of app {self.app_name!r} needs a project and a domain, "
                f"got project={project!r}, domain={domain!r}"
            )
        if self.project_domain_suffix == "hash":
            digest = hashlib.sha256(f"{project}-{domain}".encode()).hexdigest()[:_PROJECT_DOMAIN_HASH_LEN]
            return f"{self.app_name}-{digest}"
        return f"{self.app_name}-{project}-{domain}"


@dataclass
class Domain:
    """Where an app is reachable: a ``subdomain`` (a string or a :class:`Subdomain`) and/or a
    ``custom_domain``; unset parts take the platform's defaults."""

    subdomain: Optional[Union[str, Subdomain]] = None
    custom_domain: Optional[str] = None
