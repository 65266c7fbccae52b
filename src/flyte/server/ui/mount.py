"""Mounting the UI on an app: its pages, live events, reports, login and static files."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from flyte.server.ui import data, events, login, pages, reports
from flyte.server.ui.templating import STATIC


def mount_ui(app: FastAPI) -> None:
    """Adds the UI's routes to ``app`` (none of them in its OpenAPI document)."""
    for module in (pages, events, reports, data, login):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
