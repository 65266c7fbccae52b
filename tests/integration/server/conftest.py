"""Fixtures of the server integration tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _close_api_clients() -> Iterator[None]:
    """Closes the SDK's cached API clients after each test: every test has a server of its own."""
    yield
    client = sys.modules.get("flyte._internal.client")
    if client is not None:
        client.close_clients()
