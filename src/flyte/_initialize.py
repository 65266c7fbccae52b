"""``flyte.init`` and friends: which project, domain and endpoint this process works with."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flyte._config import Config

DEFAULT_PROJECT = "flytesnacks"
DEFAULT_DOMAIN = "development"


@dataclass(frozen=True)
class InitState:
    """What ``flyte.init`` settled: where runs go and under which project and domain."""

    org: str | None
    project: str
    domain: str
    endpoint: str | None
    insecure: bool
    root_dir: Path
    config: Config | None

    @property
    def is_local(self) -> bool:
        """True when no endpoint is configured: runs execute in this process."""
        return not self.endpoint


_state: InitState | None = None


def init(
    org: str | None = None,
    project: str | None = None,
    domain: str | None = None,
    root_dir: Path | None = None,
    log_level: int | None = None,
    endpoint: str | None = None,
    insecure: bool = False,
    **_unused_remote_options: Any,
) -> None:
    """Sets the project, domain and (optionally) the endpoint of the server runs go to.

    Options of the real SDK that concern authentication and remote clusters are accepted and
    ignored until a server is configured.
    """
    global _state
    if log_level is not None:
        logging.getLogger("flyte").setLevel(log_level)
    _state = InitState(
        org=org,
        project=project or DEFAULT_PROJECT,
        domain=domain or DEFAULT_DOMAIN,
        endpoint=endpoint or None,
        insecure=insecure,
        root_dir=Path(root_dir) if root_dir else Path.cwd(),
        config=None,
    )


def init_from_config(
    path_or_config: str | Path | Config | None = None,
    root_dir: Path | None = None,
    log_level: int | None = None,
    org: str | None = None,
    project: str | None = None,
    domain: str | None = None,
    **_unused_remote_options: Any,
) -> None:
    """Initialises from a config file (the usual locations when no path is given)."""
    global _state
    from flyte._config import Config, load_config

    config = path_or_config if isinstance(path_or_config, Config) else load_config(path_or_config)
    if log_level is not None:
        logging.getLogger("flyte").setLevel(log_level)
    _state = InitState(
        org=org or config.task.org,
        project=project or config.task.project or DEFAULT_PROJECT,
        domain=domain or config.task.domain or DEFAULT_DOMAIN,
        endpoint=config.admin.endpoint or None,
        insecure=config.admin.insecure,
        root_dir=Path(root_dir) if root_dir else Path.cwd(),
        config=config,
    )


def get_init_state() -> InitState:
    """The current settings; initialises from the config files on first use if nobody did."""
    if _state is None:
        init_from_config()
    assert _state is not None
    return _state


def is_initialized() -> bool:
    """Whether ``flyte.init`` (or ``init_from_config``) has been called."""
    return _state is not None


def is_control_plane_available() -> bool:
    """Whether runs go to a server (an endpoint is configured) rather than run in this process."""
    return not get_init_state().is_local


def current_project() -> str:
    """The project runs are created in."""
    return get_init_state().project


def current_domain() -> str:
    """The domain runs are created in."""
    return get_init_state().domain


def reset() -> None:
    """Forgets the settings (for tests and long-lived processes that re-initialise)."""
    global _state
    _state = None
