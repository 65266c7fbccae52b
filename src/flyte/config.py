"""The configuration as the flyte SDK names it: ``flyte.config.auto()`` reads it.

Values come from a YAML file (``config.yaml``, ``.flyte/config.yaml``, ``~/.flyte/config.yaml``,
or the file ``$FLYTECTL_CONFIG`` names), then ``FLYTE_<SECTION>_<KEY>`` variables, then
defaults. ``flyte.init_from_config(flyte.config.auto())`` uses it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flyte._config import Config, _find_file, load_config

__all__ = ["Config", "auto", "get_config_file", "set_if_exists"]


def auto(config_file: str | Path | None = None) -> Config:
    """The configuration read from ``config_file``, or from the first file found (see the module).

    Raises:
        ConfigError: the file is missing (when named), unreadable or malformed.
    """
    return load_config(config_file)


def get_config_file(c: str | Path | None) -> Path | None:
    """The file the configuration comes from: ``c`` if given (it must exist), else the first one
    found where flyte looks, else None."""
    return _find_file(c)


def set_if_exists(d: dict[str, Any], k: str, val: Any) -> dict[str, Any]:
    """Sets ``d[k] = val`` when ``val`` is set (a bool, or anything neither None nor empty); returns ``d``."""
    if isinstance(val, bool) or (val is not None and val):
        d[k] = val
    return d
