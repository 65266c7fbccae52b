"""The login page: a form that keeps the server's API key in an HttpOnly cookie.

With ``flyte start server --auth`` every route wants the key, as a bearer token or in the
``flyte_token`` cookie; a browser cannot send the header, so the page sets the cookie
(``SameSite=Strict``: never sent by another site's request). Without auth the page is harmless.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flyte.server.ui.templating import render

router = APIRouter(include_in_schema=False)

TOKEN_COOKIE = "flyte_token"
_MAX_FORM_BYTES = 8192


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path of this site only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The form asking for the server's API key."""
    return render(request, "login.html", next=safe_next(next), problem=None)


@router.post("/login")
async def login(request: Request) -> Response:
    """Keeps the key in the cookie and goes on to the page asked for."""
    body = await request.body()
    form = parse_qs(body[:_MAX_FORM_BYTES].decode("utf-8", errors="replace"))
    key = (form.get("key") or [""])[0].strip()
    target = safe_next((form.get("next") or ["/"])[0])
    if not key:
        return render(request, "login.html", status_code=400, next=target, problem="Enter the server's API key.")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(TOKEN_COOKIE, key, httponly=True, samesite="strict", path="/")
    return response
