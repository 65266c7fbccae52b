"""``flyte.init`` and friends: which project, domain and endpoint this process works with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flyte._init_options import (
    INIT_REFUSED,
    Connection,
    LogFormat,
    configure_connection,
    configure_logging,
    image_refs,
    refuse_unsupported,
    resolve_api_key,
)
from flyte._syncify import with_aio
from flyte.errors import ConfigError

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
    api_key: str | None = field(default=None, repr=False)
    """The API key sent to the server with every request."""
    images: dict[str, str] = field(default_factory=dict)
    """Image references: the URI of each name ``flyte.Image.from_ref_name`` may use."""
    image_builder: str = "local"
    """Who builds images: ``"local"``, ``"remote"`` or the name of an image builder plugin."""
    source_config_path: Path | None = None
    """The configuration file the settings were read from, if one was named."""

    @property
    def is_local(self) -> bool:
        """True when no endpoint is configured: runs execute in this process."""
        return not self.endpoint


_state: InitState | None = None


@with_aio
def init(
    org: str | None = None,
    project: str | None = None,
    domain: str | None = None,
    root_dir: Path | None = None,
    log_level: int | None = None,
    log_format: LogFormat | None = None,
    reset_root_logger: bool = False,
    user_log_level: int | None = None,
    endpoint: str | None = None,
    headless: bool = False,
    insecure: bool = False,
    insecure_skip_verify: bool = False,
    ca_cert_file_path: str | None = None,
    auth_type: str = "Pkce",
    command: list[str] | None = None,
    proxy_command: list[str] | None = None,
    api_key: str | None = None,
    client_id: str | None = None,
    client_credentials_secret: str | None = None,
    auth_client_config: Any = None,
    rpc_retries: int = 3,
    http_proxy_url: str | None = None,
    disable_keyring: bool = False,
    storage: Storage | None = None,
    batch_size: int = 1000,
    image_builder: str = "local",
    images: dict[str, str] | tuple[str, ...] | None = None,
    image_registry: str | None = None,
    source_config_path: Path | None = None,
    sync_local_sys_paths: bool = True,
    load_plugin_type_transformers: bool = True,
    local_persistence: bool = False,
    local_tracked: bool = False,
    local_tracked_strict: bool = False,
    scopes: list[str] | None = None,
) -> None:
    """Sets the project, domain and (optionally) the server runs go to, and how this process
    logs and reaches that server.

    - ``endpoint``: the server's URL; without one, runs execute in this process.
    - ``insecure``: plain HTTP for an endpoint without a scheme; ``insecure_skip_verify`` and
      ``ca_cert_file_path`` relax or pin TLS verification; ``http_proxy_url`` routes requests
      through a proxy; ``api_key`` is sent with every request as a bearer token.
    - ``log_level``, ``log_format`` (``"console"`` or ``"json"``), ``user_log_level`` (the level
      of ``flyte.logger``) and ``reset_root_logger`` set up logging.
    - ``storage`` configures the object stores (see :mod:`flyte.storage`).
    - ``images``: the URI of each image reference name (``flyte.Image.from_ref_name(name)``).
    - ``image_builder``: ``"local"``, ``"remote"``, or the name of an image builder plugin
      (see :mod:`flyte.extend`); ``flyte.build`` uses it.
    - ``load_plugin_type_transformers`` loads the installed type plugins now (else they load when
      a type first needs them); ``source_config_path`` records where settings came from.
    - Workers find a run's modules by file under ``root_dir``, which is what
      ``sync_local_sys_paths`` (default True) asks for; False is refused.
    - Local runs are always recorded (``local_persistence`` is accepted either way).

    OAuth and keyring options of the real SDK (``auth_type``, ``client_id``, ``headless`` ...),
    ``rpc_retries``, ``batch_size``, ``image_registry`` and tracking are refused with
    a :class:`~flyte.errors.ConfigError` naming the option when given a non-default value.

    Raises:
        ConfigError: an option that cannot apply here, or a bad ``log_format``.
        TypeError: ``storage`` is not a ``flyte.storage.Storage``.
    """
    refuse_unsupported("flyte.init", locals(), INIT_REFUSED)
    _apply(
        InitState(
            org=org,
            project=project or DEFAULT_PROJECT,
            domain=domain or DEFAULT_DOMAIN,
            endpoint=endpoint or None,
            insecure=insecure,
            root_dir=Path(root_dir) if root_dir else Path.cwd(),
            config=None,
            storage=storage,
            api_key=api_key,
            images=image_refs("flyte.init", images),
            image_builder=image_builder,
            source_config_path=Path(source_config_path) if source_config_path else None,
        ),
        section=None,
        logging_options=(log_level, log_format, user_log_level, reset_root_logger),
        verify=_verify(insecure_skip_verify, ca_cert_file_path),
        proxy=http_proxy_url,
        load_plugin_type_transformers=load_plugin_type_transformers,
    )


@with_aio
def init_from_config(
    path_or_config: str | Path | Config | None = None,
    root_dir: Path | None = None,
    log_level: int | None = None,
    log_format: LogFormat | None = None,
    user_log_level: int | None = None,
    org: str | None = None,
    project: str | None = None,
    domain: str | None = None,
    storage: Storage | None = None,
    batch_size: int = 1000,
    image_builder: str | None = None,
    images: tuple[str, ...] | None = None,
    sync_local_sys_paths: bool = True,
) -> None:
    """Initialises from a config file (the usual locations when no path is given); the
    arguments win over the file. The options mean what they mean for :func:`init`.

    Raises:
        ConfigError: the file is malformed, or an option cannot apply here.
        TypeError: ``storage`` is not a ``flyte.storage.Storage``.
    """
    from flyte._config import Config, load_config

    refuse_unsupported("flyte.init_from_config", locals(), INIT_REFUSED)
    config = path_or_config if isinstance(path_or_config, Config) else load_config(path_or_config)
    source = None if path_or_config is None or isinstance(path_or_config, Config) else Path(path_or_config)
    _apply(
        InitState(
            org=org or config.task.org,
            project=project or config.task.project or DEFAULT_PROJECT,
            domain=domain or config.task.domain or DEFAULT_DOMAIN,
            endpoint=config.admin.endpoint or None,
            insecure=config.admin.insecure,
            root_dir=Path(root_dir) if root_dir else Path.cwd(),
            config=config,
            storage=storage,
            images=image_refs("flyte.init_from_config", images),
            image_builder=image_builder or config.image.builder,
            source_config_path=source,
        ),
        # Without an explicit file the stores keep reading the configuration themselves, so that
        # they see the same file and variables as before init.
        section=None if path_or_config is None else config.storage,
        logging_options=(log_level, log_format, user_log_level, False),
        verify=True,
        proxy=None,
        load_plugin_type_transformers=True,
    )


@with_aio
def init_from_api_key(
    api_key: str | None = None,
    project: str | None = None,
    domain: str | None = None,
    root_dir: Path | None = None,
    log_level: int | None = None,
    log_format: LogFormat | None = None,
    storage: Storage | None = None,
    batch_size: int = 1000,
    image_builder: str = "local",
    images: dict[str, str] | None = None,
    sync_local_sys_paths: bool = True,
    insecure_skip_verify: bool = False,
    ca_cert_file_path: str | None = None,
) -> None:
    """Initialises with an API key (``api_key``, else the ``FLYTE_API_KEY`` variable).

    A key issued by a Flyte or Union cluster carries its server's endpoint and organisation; an
    opaque key needs the endpoint from the configuration. The key is sent with every request.

    Raises:
        ConfigError: no key, or no endpoint for an opaque key.
    """
    import os

    from flyte._init_options import decode_api_key

    key = api_key or os.environ.get("FLYTE_API_KEY")
    if not key:
        raise ConfigError("flyte.init_from_api_key: no API key given and FLYTE_API_KEY is not set")
    decoded = decode_api_key(key)
    endpoint = decoded.endpoint
    if endpoint is None:
        from flyte._config import load_config

        endpoint = load_config(None).admin.endpoint
    if not endpoint:
        raise ConfigError(
            "flyte.init_from_api_key: the API key does not name a server; set admin.endpoint in the config or "
            "call flyte.init(endpoint=..., api_key=...)"
        )
    init(
        org=decoded.org,
        project=project,
        domain=domain,
        root_dir=root_dir,
        log_level=log_level,
        log_format=log_format,
        endpoint=endpoint,
        insecure_skip_verify=insecure_skip_verify,
        ca_cert_file_path=ca_cert_file_path,
        api_key=decoded.secret,
        storage=storage,
        batch_size=batch_size,
        image_builder=image_builder,
        images=images,
        sync_local_sys_paths=sync_local_sys_paths,
    )


# The variable a worker of a cluster finds its control plane's endpoint in.
_ENDPOINT_OVERRIDE = "_U_EP_OVERRIDE"


@with_aio
def init_passthrough(
    endpoint: str | None = None,
    org: str | None = None,
    project: str | None = None,
    domain: str | None = None,
    insecure: bool = False,
) -> dict[str, Any]:
    """Initialises a process running inside a cluster (an app or a task) to call its server: the
    endpoint comes from ``endpoint`` or the environment the platform gives the process.

    Returns the settings used, ``{"endpoint": ..., "insecure": ...}``.

    Raises:
        ConfigError: no endpoint given or found in the environment.
    """
    import os

    found = endpoint or os.environ.get(_ENDPOINT_OVERRIDE) or os.environ.get("FLYTE_ENDPOINT")
    if not found:
        raise ConfigError(
            "flyte.init_passthrough: no endpoint given, and the process has no FLYTE_ENDPOINT (it does not run "
            "on a flyte server)"
        )
    init(org=org, project=project, domain=domain, endpoint=found, insecure=insecure)
    return {"endpoint": found, "insecure": insecure}


@with_aio
def init_in_cluster(
    org: str | None = None,
    project: str | None = None,
    domain: str | None = None,
    api_key: str | None = None,
    endpoint: str | None = None,
    insecure: bool = False,
) -> dict[str, Any]:
    """Like :func:`init_passthrough`, with an optional API key sent with every request."""
    import os

    found = endpoint or os.environ.get(_ENDPOINT_OVERRIDE) or os.environ.get("FLYTE_ENDPOINT")
    if not found:
        raise ConfigError(
            "flyte.init_in_cluster: no endpoint given, and the process has no FLYTE_ENDPOINT (it does not run "
            "on a flyte server)"
        )
    init(org=org, project=project, domain=domain, endpoint=found, insecure=insecure, api_key=api_key)
    return {"endpoint": found, "insecure": insecure}


def _verify(insecure_skip_verify: bool, ca_cert_file_path: str | None) -> bool | str:
    if insecure_skip_verify and ca_cert_file_path:
        raise ConfigError("flyte.init: give insecure_skip_verify or ca_cert_file_path, not both")
    if ca_cert_file_path is not None:
        if not Path(ca_cert_file_path).is_file():
            raise ConfigError(f"flyte.init: ca_cert_file_path '{ca_cert_file_path}' is not a file")
        return str(ca_cert_file_path)
    return not insecure_skip_verify


def _apply(
    state: InitState,
    *,
    section: StorageConfig | None,
    logging_options: tuple[int | None, LogFormat | None, int | None, bool],
    verify: bool | str,
    proxy: str | None,
    load_plugin_type_transformers: bool,
) -> None:
    """Makes ``state`` current and applies its process-wide effects."""
    global _state
    _check_image_builder(state.image_builder)
    _configure_stores(state.storage, section)
    configure_logging(*logging_options)
    configured_key = state.config.admin.api_key if state.config is not None else None
    api_key = resolve_api_key(state.api_key, configured_key)
    configure_connection(Connection(verify=verify, proxy=proxy, api_key=api_key))
    if load_plugin_type_transformers:
        from flyte._plugins import load_type_plugins

        load_type_plugins()
    _state = state


def _check_image_builder(name: str) -> None:
    from flyte._image_builders import ImageBuildEngine

    if name not in ImageBuildEngine.BUILT_IN:
        ImageBuildEngine.get(name)


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
    object-store and connection settings included."""
    global _state
    _state = None
    _configure_stores(None, None)
    configure_connection(Connection())


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
