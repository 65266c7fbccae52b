"""A synchronous client of an ASGI app in this process (httpx's ASGI transport, one event loop
per request, on a thread of its own so that a loop already running in the test's thread, such as
Playwright's, is no obstacle): enough for pages that need no lifespan."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fastapi import FastAPI


class AppClient:
    """Sends requests to ``app`` without a server."""

    def __init__(self, app: FastAPI, follow_redirects: bool = True) -> None:
        self._app = app
        self._follow = follow_redirects

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request, answered by the app."""

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self._app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver", follow_redirects=self._follow
            ) as client:
                return await client.request(method, url, **kwargs)

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, send()).result()

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """A GET request."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """A POST request."""
        return self.request("POST", url, **kwargs)
