"""The in-process memory store: the contract, and sharing within the process."""

from __future__ import annotations

import secrets

import pytest

from flyte._internal.store.blob import get_store, reset_stores
from flyte._internal.store.blob._obstore import ObstoreBlobStore
from tests.unit.blob.contract import StoreContract


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def prefix(self) -> str:
        return f"memory://unit-{secrets.token_hex(4)}/data"


def test_a_bucket_is_one_store_shared_by_the_process() -> None:
    store = get_store("memory://shared/a")
    assert isinstance(store, ObstoreBlobStore)
    assert get_store("memory://shared/b") is store
    store.put("memory://shared/a", b"seen")
    assert get_store("memory://shared/a").get("memory://shared/a") == b"seen"
    assert not get_store("memory://other/a").exists("memory://other/a")


def test_reset_stores_forgets_the_contents() -> None:
    get_store("memory://gone/x").put("memory://gone/x", b"x")
    reset_stores()
    assert not get_store("memory://gone/x").exists("memory://gone/x")


def test_a_store_serves_only_its_own_bucket() -> None:
    store = get_store("memory://mine/x")
    with pytest.raises(ValueError, match=r"'memory://theirs/x' is not in this store \(memory://mine\)"):
        store.put("memory://theirs/x", b"x")
    with pytest.raises(ValueError, match="names a bucket, not an object"):
        store.put("memory://mine/", b"x")
