"""``flyte.init`` and friends: which project, domain and endpoint this process works with."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flyte._config import Config, StorageConfig
    from flyte.storage import Storage

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
    storage: Storage | None = None
    """The object-store settings given to ``flyte.init(storage=...)``, if any."""

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
    storage: Storage | None = None,
    **_unused_remote_options: Any,
) -> None:
    """Sets the project, domain and (optionally) the endpoint of the server runs go to.

    ``storage`` (a :class:`flyte.storage.S3`, ``GCS``, ``ABFS`` or ``Storage``) configures the
    object stores this process reads and writes: its settings win over the configuration's
    ``storage`` section and variables, which still supply the fields it leaves unset.

    Options of the real SDK that concern authentication and remote clusters are accepted and
    ignored until a server is configured.

    Raises:
        TypeError: ``storage`` is not a ``flyte.storage.Storage``.
    """
    global _state
    _configure_stores(storage, None)
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
        storage=storage,
    )


def init_from_config(
    path_or_config: str | Path | Config | None = None,
    root_dir: Path | None = None,
    log_level: int | None = None,
    org: str | None = None,
    project: str | None = None,
    domain: str | None = None,
    storage: Storage | None = None,
    **_unused_remote_options: Any,
) -> None:
    """Initialises from a config file (the usual locations when no path is given).

    The object stores follow the file's ``storage`` section, under ``storage`` (as for
    :func:`init`) when given.

    Raises:
        TypeError: ``storage`` is not a ``flyte.storage.Storage``.
    """
    global _state
    from flyte._config import Config, load_config

    config = path_or_config if isinstance(path_or_config, Config) else load_config(path_or_config)
    # Without an explicit file the stores keep reading the configuration themselves, so that
    # they see the same file and variables as before init.
    _configure_stores(storage, None if path_or_config is None else config.storage)
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
        storage=storage,
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
    """Forgets the settings (for tests and long-lived processes that re-initialise), the
    object-store settings included."""
    global _state
    _state = None
    _configure_stores(None, None)


def _configure_stores(storage: Storage | None, section: StorageConfig | None) -> None:
    """Hands ``storage`` and the ``storage`` config ``section`` to the blob layer's stores."""
    from flyte._internal.store.blob import StoreOverrides, configure_stores

    if storage is None:
        configure_stores(None if section is None else StoreOverrides(storage=section))
        return
    from flyte.storage import Storage
    from flyte.storage._config import store_overrides

    if not isinstance(storage, Storage):
        raise TypeError(
            f"storage must be a flyte.storage.Storage (S3, GCS, ABFS or Storage), got {type(storage).__name__}"
        )
    configure_stores(store_overrides(storage, section))
