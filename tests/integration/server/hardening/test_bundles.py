"""Bundles: checked while streaming, within the server's limits, before anything is stored; an
archive that expands hugely (in a member or in a header), is truncated or empty, or holds
clashing members gets a 400 and leaves nothing behind (no row, no stored file, no partial folder)."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile

import httpx
import pytest

from tests.fixtures.archives import bomb
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import count_rows
from tests.integration.server.hardening._support import API, assert_server_still_runs_runs, tar_gz

LIMIT = 4 * 1024 * 1024


def _folder_clash() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in ("pkg", "pkg/mod.py"):
            info = tarfile.TarInfo(name)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
    return buffer.getvalue()


def _header_bomb() -> bytes:
    """A file whose pax header is 64 MiB of zeros (about 64 KiB gzipped), which tarfile would read whole."""
    header = tarfile.TarInfo("././@PaxHeader")
    header.type = tarfile.XHDTYPE
    header.size = 64 * 1024 * 1024
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as gz:
        gz.write(header.tobuf(format=tarfile.USTAR_FORMAT))
        for _ in range(header.size >> 20):
            gz.write(bytes(1 << 20))
        gz.write(tarfile.TarInfo("wf.py").tobuf(format=tarfile.USTAR_FORMAT))
        gz.write(bytes(2 * tarfile.BLOCKSIZE))
    return buffer.getvalue()


def _empty_archive() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz"):
        pass
    return buffer.getvalue()


REFUSED = {
    "bomb": (lambda: bomb(64 * 1024 * 1024), f"more than {LIMIT} bytes"),
    "header bomb": (_header_bomb, "its headers or padding take more than"),
    "truncated": (lambda: tar_gz({"wf.py": b"x = 1\n" * 1000})[:-20], "not a valid code bundle"),
    "empty body": (lambda: b"", "not a valid code bundle"),
    "no files": (_empty_archive, "has no files"),
    "file and folder": (_folder_clash, "'pkg' is a file"),
}


@pytest.mark.server_options(max_bundle_unpacked_bytes=LIMIT)
@pytest.mark.parametrize("kind", list(REFUSED))
def test_refused_bundles_leave_nothing(flyte_server: ServerHandle, http: httpx.Client, kind: str) -> None:
    make, message = REFUSED[kind]
    data = make()
    digest = hashlib.sha256(data).hexdigest()
    response = http.put(f"{API}/bundles/{digest}", content=data, headers={"content-type": "application/gzip"})
    assert response.status_code == 400, response.text
    assert message in response.json()["detail"]
    assert http.head(f"{API}/bundles/{digest}").status_code == 404
    assert count_rows(flyte_server, "bundles") == 0
    assert not list(flyte_server.home.rglob(f"*{digest}*"))
    assert not list(flyte_server.home.rglob("*.partial"))
    assert_server_still_runs_runs(flyte_server)
