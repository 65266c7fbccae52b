"""Blob URIs: their scheme, the local path behind a local one, joining, and refusing escapes.

A plain path (absolute or relative) and a ``file://`` URI are local; any other URI is
``scheme://bucket/key``. Keys are taken literally, while ``file://`` URIs are percent-decoded as
:meth:`pathlib.Path.as_uri` encodes them.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path
from urllib.parse import quote, unquote

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")


def scheme(uri: str) -> str:
    """The URI's scheme in lower case; ``"file"`` for plain paths and ``file://`` URIs."""
    match = _SCHEME.match(uri)
    return match.group(1).lower() if match else "file"


def is_local(uri: str) -> bool:
    """Whether ``uri`` names a file on this machine (a plain path or a ``file://`` URI)."""
    return scheme(uri) == "file"


def local_path(uri: str) -> Path:
    """The path behind a local URI; ValueError naming the URI for any other.

    Raises:
        ValueError: ``uri`` is not local, names another host, or contains a ``..`` segment.
    """
    check_no_escape(uri)
    match = _SCHEME.match(uri)
    if match is None:
        return Path(uri)
    if match.group(1).lower() != "file":
        raise ValueError(f"'{uri}' is not a local path or file:// URI")
    host, slash, path = uri[match.end() :].partition("/")
    if host not in ("", "localhost"):
        raise ValueError(f"'{uri}' names host '{host}'; only local file:// URIs are supported")
    decoded = unquote(slash + path)
    # An encoded "%2E%2E" is a ".." only once decoded.
    check_no_escape(decoded, uri)
    return Path(decoded)


def split(uri: str) -> tuple[str, str, str]:
    """``(scheme, bucket, key)`` of an object-store URI; the key has no leading slash.

    Raises:
        ValueError: ``uri`` has no bucket, or contains a ``..`` segment.
    """
    check_no_escape(uri)
    match = _SCHEME.match(uri)
    if match is None:
        raise ValueError(f"'{uri}' is not an object-store URI (scheme://bucket/key)")
    bucket, _, key = uri[match.end() :].partition("/")
    if not bucket:
        raise ValueError(f"'{uri}' names no bucket")
    return match.group(1).lower(), bucket, key.strip("/")


def join(prefix_uri: str, *parts: str) -> str:
    """``prefix_uri`` extended by the relative paths ``parts`` (which may hold ``/``).

    Empty and ``.`` segments are dropped; a ``file://`` prefix gets its new segments
    percent-encoded so that :func:`local_path` returns them unchanged.

    Raises:
        ValueError: the prefix is empty, or the result contains a ``..`` segment.
    """
    if not prefix_uri:
        raise ValueError("cannot join onto an empty prefix")
    segments = [s for part in parts for s in part.split("/") if s not in ("", ".")]
    if not segments:
        return prefix_uri
    if _SCHEME.match(prefix_uri) and is_local(prefix_uri):
        segments = [quote(s) for s in segments]
    base = prefix_uri if prefix_uri.endswith("/") else prefix_uri + "/"
    joined = base + "/".join(segments)
    check_no_escape(joined)
    return joined


def check_no_escape(uri: str, named: str | None = None) -> None:
    """Raises ValueError when ``uri`` has a ``..`` segment, which could leave its prefix.

    The message names ``named`` if given (the URI as the caller wrote it), else ``uri``.
    """
    path = uri[m.end() :] if (m := _SCHEME.match(uri)) else uri
    if ".." in re.split(r"[/\\]", path):
        shown = named if named is not None else uri
        raise ValueError(f"'{shown}' contains a '..' segment; blob URIs must not leave their prefix")


def missing(uri: str) -> FileNotFoundError:
    """The error for a missing object: its message and ``filename`` name the URI."""
    return FileNotFoundError(errno.ENOENT, "No such object", uri)
