"""Rendering the UI's pages: one Jinja environment (autoescaped) and the headers every page gets.

Pages carry a strict Content-Security-Policy: scripts and styles only from the app's own
``/static`` files, no inline script, no inline style, frames only from the app itself (the
report route, which is sandboxed on its own). User content is escaped by the templates, so a
task named ``<script>`` is text, and even a mistake in a template could not run inline script.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from flyte._internal.timefmt import duration, timestamp
from flyte._internal.wire import TERMINAL_PHASES
from flyte._version import __version__

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The policy of every UI page."""

REPORT_CSP = "sandbox allow-scripts; default-src 'self' 'unsafe-inline' data: blob:; frame-ancestors 'self'"
"""The policy of a report: a sandbox of its own origin (no ``allow-same-origin``), so its
scripts run but cannot reach the UI's cookies, storage or pages."""

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def iso(ts: float | None) -> str:
    """A time in ISO 8601 (UTC), for ``<time datetime>``."""
    return "" if ts is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def digest(text: str | None) -> str:
    """A short fingerprint of ``text`` (empty for none): tells the page its report changed."""
    return hashlib.sha256(text.encode()).hexdigest()[:16] if text else ""


def phase_class(phase: str) -> str:
    """The CSS class of a phase's color."""
    return "ph-" + phase.lower().replace("_", "-")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(timestamp=timestamp, iso=iso, phase_class=phase_class, digest=digest)
    env.globals.update(duration=duration, version=__version__, ENDED_PHASES=TERMINAL_PHASES)
    return env


_ENV = _environment()


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page rendered from ``template`` with the UI's security headers."""
    body = _ENV.get_template(template).render(request=request, **context)
    headers = {"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store", **SECURITY_HEADERS}
    return HTMLResponse(body, status_code=status_code, headers=headers)
