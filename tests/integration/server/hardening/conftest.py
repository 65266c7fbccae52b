"""Fixtures of the hardening tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.server import ServerHandle


@pytest.fixture
def http(flyte_server: ServerHandle) -> Iterator[httpx.Client]:
    """A plain HTTP client of the test's server: a careless or hostile client, not the SDK."""
    with httpx.Client(base_url=flyte_server.endpoint, timeout=60) as client:
        yield client
