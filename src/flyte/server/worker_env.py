"""The environment a worker starts with: a short allow-list of the server's, never all of it.

The server's environment may hold its database password, its own credentials and anything its
operator exported; a task sees none of that. It gets what a process needs to run (PATH, locale,
temporary folder, Python's paths, proxies and CA bundles), the blob store's settings (workers read
and write run data themselves), the names the operator passes explicitly
(``--worker-env NAME``), and then what the run and the task ask for.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

__all__ = ["base_environment"]

_NAMES = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "TEMP",
        "TMP",
        "PYTHONPATH",
        "VIRTUAL_ENV",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "FLYTECTL_CONFIG",
        "FLYTE_OFFLOAD_THRESHOLD_BYTES",
        "GOOGLE_APPLICATION_CREDENTIALS",
    }
)
# The blob store's settings: a worker offloads and fetches run data with the server's store.
_PREFIXES = ("LC_", "FLYTE_STORAGE_", "AWS_", "AZURE_STORAGE_")


def base_environment(extra_names: Iterable[str] = (), environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The part of ``environ`` every worker starts with (see the module docstring)."""
    allowed = _NAMES | frozenset(extra_names)
    return {name: value for name, value in environ.items() if name in allowed or name.startswith(_PREFIXES)}
