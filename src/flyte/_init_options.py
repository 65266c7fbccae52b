"""What ``flyte.init``'s many options do here: the ones that apply to this process (logging,
plugins, the import path, how the client reaches the server), and a clear refusal for the ones
that cannot mean anything against this project's server.

The real SDK's ``init`` takes options for OAuth flows, keyrings and Kubernetes; passing one with
a value other than its default raises :class:`~flyte.errors.ConfigError` naming the option and
why, rather than being silently dropped.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from flyte.errors import ConfigError

#: How flyte's own log lines are written: readable text, or one JSON object per line.
LogFormat = Literal["console", "json"]


def refuse_unsupported(where: str, given: Mapping[str, Any], reasons: Mapping[str, tuple[Any, str]]) -> None:
    """Raises :class:`ConfigError` for the first option in ``given`` whose value differs from its
    default; ``reasons`` maps an option to ``(default, why it cannot apply here)``."""
    for name, (default, why) in reasons.items():
        value = given.get(name, default)
        if value != default:
            raise ConfigError(f"{where}: {name}={value!r} is not supported: {why}")


_AUTH_WHY = "this project's server takes an API key (api_key=...) and no OAuth, device or keyring flow"

#: The options of the real SDK's ``init`` that do not apply here, with their defaults.
INIT_REFUSED: dict[str, tuple[Any, str]] = {
    "headless": (False, _AUTH_WHY),
    "auth_type": ("Pkce", _AUTH_WHY),
    "command": (None, _AUTH_WHY),
    "proxy_command": (None, _AUTH_WHY),
    "client_id": (None, _AUTH_WHY),
    "client_credentials_secret": (None, _AUTH_WHY),
    "auth_client_config": (None, _AUTH_WHY),
    "disable_keyring": (False, _AUTH_WHY),
    "scopes": (None, _AUTH_WHY),
    "rpc_retries": (3, "the client retries a failed request for a time budget, not a number of times"),
    "batch_size": (1000, "listings are paged by the server"),
    "image_registry": (None, "set the registry on the image: flyte.Image(..., registry=...)"),
    "local_tracked": (False, "local runs are always recorded in the local database; there is nothing to track"),
    "local_tracked_strict": (False, "local runs are always recorded in the local database; there is nothing to track"),
    "sync_local_sys_paths": (True, "workers find a run's modules by file under root_dir, not by search paths"),
}


#: The options of the real SDK's ``with_runcontext`` that do not apply here, with their defaults.
RUN_REFUSED: dict[str, tuple[Any, str]] = {
    "service_account": (None, "tasks run as the user of the process or server running them"),
    "dry_run": (False, "a run either runs or is not created"),
    "copy_bundle_to": (None, "code bundles are stored by the server, by content hash"),
    "interruptible": (None, "tasks here are never preempted"),
    "queue": (None, "the server schedules every action from one queue"),
    "cache_lookup_scope": ("global", "the cache is shared by every project and domain"),
    "preserve_original_types": (False, "dataframes come back as the type the task declares"),
    "debug": (False, "runs cannot be paused for a debugger"),
    "tracked": (False, "local runs are always recorded in the local database; there is nothing to track"),
    "tracked_strict": (False, "local runs are always recorded in the local database; there is nothing to track"),
}

#: How a run's code is shipped: the loaded modules under the root, every file there, or nothing
#: (the image has the code); a local run ships nothing whatever the style.
COPY_STYLES = ("loaded_modules", "all", "none")


class _JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger and message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(
    log_level: int | None, log_format: LogFormat | None, user_log_level: int | None, reset_root_logger: bool
) -> None:
    """Applies init's logging options: flyte's level and format, the level of task code's logger
    (``flyte.logger``), and, with ``reset_root_logger``, a root logger without earlier handlers."""
    if log_format not in (None, "console", "json"):
        raise ConfigError(f"flyte.init: log_format must be 'console' or 'json', got {log_format!r}")
    flyte_logger = logging.getLogger("flyte")
    if log_level is not None:
        flyte_logger.setLevel(log_level)
    if user_log_level is not None:
        logging.getLogger("flyte.user").setLevel(user_log_level)
    if reset_root_logger:
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
    if log_format is not None:
        for handler in list(flyte_logger.handlers):
            if getattr(handler, "_flyte_init", False):
                flyte_logger.removeHandler(handler)
        handler = logging.StreamHandler()
        handler._flyte_init = True  # type: ignore[attr-defined]
        handler.setFormatter(
            _JsonFormatter() if log_format == "json" else logging.Formatter("%(levelname)s %(message)s")
        )
        flyte_logger.addHandler(handler)
        flyte_logger.propagate = False


def image_refs(where: str, images: Mapping[str, str] | tuple[str, ...] | list[str] | None) -> dict[str, str]:
    """The image references ``images`` names: ``{"name": "uri"}``, or ``("name=uri", ...)``."""
    if images is None:
        return {}
    if isinstance(images, Mapping):
        pairs = list(images.items())
    else:
        pairs = []
        for entry in images:
            name, sep, uri = str(entry).partition("=")
            if not sep:
                raise ConfigError(f"{where}: images entries are written 'name=uri', got {entry!r}")
            pairs.append((name, uri))
    refs = {}
    for name, uri in pairs:
        if not isinstance(name, str) or not isinstance(uri, str) or not name.strip() or not uri.strip():
            raise ConfigError(f"{where}: image reference {name!r} -> {uri!r} needs a name and a URI")
        refs[name.strip()] = uri.strip()
    return refs


@dataclass(frozen=True)
class Connection:
    """How clients reach servers, as ``flyte.init`` set it: TLS verification (``False``, or a CA
    bundle's path), an HTTP proxy, and the API key sent as a bearer token."""

    verify: bool | str = True
    proxy: str | None = None
    api_key: str | None = field(default=None, repr=False)


_connection = Connection()

API_KEY_ENV = "FLYTE_API_KEY"
"""The environment variable an API key is read from when ``flyte.init`` was given none."""


def resolve_api_key(given: str | None, configured: str | None) -> str | None:
    """The API key to send: the one given to ``flyte.init``, else ``FLYTE_API_KEY``, else the
    config's ``admin.api_key``."""
    import os

    return given or os.environ.get(API_KEY_ENV) or configured or None


def configure_connection(connection: Connection) -> None:
    """Makes the clients of servers use ``connection`` from now on."""
    global _connection
    _connection = connection


def current_connection() -> Connection:
    """The connection settings clients are made with."""
    return _connection


@dataclass(frozen=True)
class ApiKey:
    """An API key: the server it belongs to and the secret sent with every request."""

    endpoint: str | None
    secret: str
    org: str | None = None


def decode_api_key(key: str) -> ApiKey:
    """Reads an API key: either an encoded ``endpoint:client_id:secret:org`` (as issued by Flyte
    and Union clusters) or an opaque secret, for which the endpoint comes from elsewhere."""
    key = key.strip()
    if not key:
        raise ConfigError("flyte.init_from_api_key: the API key is empty")
    try:
        # Split from the right: the endpoint itself may hold colons (a scheme, a port).
        parts = base64.b64decode(key.encode(), validate=True).decode().rsplit(":", 3)
    except (binascii.Error, UnicodeDecodeError):
        return ApiKey(endpoint=None, secret=key)
    if len(parts) != 4 or not parts[0]:
        return ApiKey(endpoint=None, secret=key)
    endpoint, _client_id, secret, org = parts
    return ApiKey(endpoint=endpoint, secret=secret, org=org if org and org != "None" else None)
