"""Blob URIs: schemes, local paths, joining, and refusing '..'."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flyte._internal.store.blob import is_local, join, local_path, scheme
from flyte._internal.store.blob._uri import split


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/tmp/x", "file"),
        ("relative/x", "file"),
        ("file:///tmp/x", "file"),
        ("FILE:///tmp/x", "file"),
        ("s3://bucket/key", "s3"),
        ("S3://bucket/key", "s3"),
        ("gs://bucket/key", "gs"),
        ("abfs://container/key", "abfs"),
        ("az://container/key", "az"),
        ("memory://bucket/key", "memory"),
        ("/tmp/odd://name", "file"),
    ],
)
def test_scheme_and_is_local(uri: str, expected: str) -> None:
    assert scheme(uri) == expected
    assert is_local(uri) == (expected == "file")


def test_local_path_decodes_file_uris_and_keeps_plain_paths() -> None:
    assert local_path("/tmp/a b%20c") == Path("/tmp/a b%20c")
    assert local_path("rel/x") == Path("rel/x")
    assert local_path("file:///tmp/a%20b/c%25d") == Path("/tmp/a b/c%d")
    assert local_path("file://localhost/tmp/x") == Path("/tmp/x")
    assert local_path(Path("/tmp/with space").as_uri()) == Path("/tmp/with space")


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("s3://bucket/key", "'s3://bucket/key' is not a local path or file:// URI"),
        ("file://server/share/x", "names host 'server'"),
        ("/tmp/a/../b", "'/tmp/a/../b' contains a '..' segment"),
        ("file:///tmp/%2E%2E/etc", "'file:///tmp/%2E%2E/etc' contains a '..' segment"),
    ],
)
def test_local_path_refuses(uri: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        local_path(uri)


@pytest.mark.parametrize(
    ("prefix", "parts", "expected"),
    [
        ("s3://bucket/data", ("a", "b.txt"), "s3://bucket/data/a/b.txt"),
        ("s3://bucket/data/", ("a/b", "c"), "s3://bucket/data/a/b/c"),
        ("s3://bucket", ("x",), "s3://bucket/x"),
        ("memory://b/p", ("/a//b/", "./c"), "memory://b/p/a/b/c"),
        ("/tmp/data", ("a", "b c"), "/tmp/data/a/b c"),
        ("/", ("a",), "/a"),
        ("rel", ("a",), "rel/a"),
        ("file:///tmp/data", ("a b", "c%d"), "file:///tmp/data/a%20b/c%25d"),
        ("file:///", ("a",), "file:///a"),
        ("s3://bucket/data", (), "s3://bucket/data"),
        ("s3://bucket/data", ("", "."), "s3://bucket/data"),
    ],
)
def test_join(prefix: str, parts: tuple[str, ...], expected: str) -> None:
    assert join(prefix, *parts) == expected


def test_join_round_trips_through_local_path() -> None:
    assert local_path(join(Path("/tmp/x y").as_uri(), "a b/c%20")) == Path("/tmp/x y/a b/c%20")


@pytest.mark.parametrize("parts", [("..",), ("a/../b",), ("a", "..", "b"), ("a\\..\\b",)])
def test_join_refuses_dot_dot(parts: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match=r"contains a '\.\.' segment"):
        join("s3://bucket/prefix", *parts)


def test_join_refuses_an_empty_prefix() -> None:
    with pytest.raises(ValueError, match="empty prefix"):
        join("", "a")


def test_split() -> None:
    assert split("s3://bucket/a/b") == ("s3", "bucket", "a/b")
    assert split("s3://bucket") == ("s3", "bucket", "")
    assert split("s3://bucket/a/") == ("s3", "bucket", "a")
    with pytest.raises(ValueError, match="'s3:///key' names no bucket"):
        split("s3:///key")
    with pytest.raises(ValueError, match=re.escape("'s3://b/x/../../y' contains a '..' segment")):
        split("s3://b/x/../../y")
