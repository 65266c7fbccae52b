"""Where a server may listen: a server without ``--auth`` answers anyone who reaches it, so it
may only listen on the loopback interface, which only this machine's users reach."""

from __future__ import annotations

import ipaddress

from flyte.errors import ConfigError

__all__ = ["check_binding", "is_loopback"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is reachable from this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, auth: bool) -> None:
    """Refuses to listen on ``host`` without authentication unless it is a loopback address.

    Raises:
        ConfigError: ``host`` is not loopback and ``auth`` is off.
    """
    if not auth and not is_loopback(host):
        raise ConfigError(
            f"refusing to listen on {host} without authentication: add --auth (clients then need an API key) "
            "or listen on 127.0.0.1"
        )
