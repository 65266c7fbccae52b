"""``flyte start ui``: the UI over the local runs database, read-only, on this machine only.

It serves the same pages as the server, from :class:`~flyte.server.ui.local_source.LocalSource`;
nothing can be aborted or changed. While it runs, a marker next to the database tells local
runs to print their page's URL (see :mod:`flyte._internal.store.local_ui`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from fastapi import FastAPI

from flyte._internal.store import local_ui
from flyte._version import __version__
from flyte.server.ui.local_source import LocalSource
from flyte.server.ui.mount import mount_ui

HOST = "127.0.0.1"


def create_local_app(db_path: Path) -> FastAPI:
    """The UI app over the local runs database at ``db_path`` (no API, no docs)."""
    app = FastAPI(title="flyte local runs", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ui_source = LocalSource(db_path)
    mount_ui(app)
    return app


def serve_local(db_path: Path, port: int) -> None:
    """Serves the local UI on 127.0.0.1:``port`` until interrupted."""
    import uvicorn

    url = f"http://{HOST}:{port}"
    app = create_local_app(db_path)
    print(f"flyte UI of local runs: {url} (database {db_path}, read-only)", file=sys.stderr, flush=True)
    local_ui.write_marker(db_path, url)
    try:
        uvicorn.run(
            app,
            host=HOST,
            port=port,
            log_level=os.environ.get("FLYTE_SERVER_LOG_LEVEL", "warning"),
            timeout_graceful_shutdown=2,
        )
    finally:
        local_ui.remove_marker(db_path)
