"""Bundles are read in one bounded, streaming pass: limits on unpacked bytes and members, clashes,
truncation and emptiness are refused, and a refused extraction leaves nothing behind."""

from __future__ import annotations

import io
import resource
import tarfile
from pathlib import Path

import pytest

from flyte._internal.bundle import BundleLimits, check_bundle, extract_bundle
from flyte.errors import CodeBundleError
from tests.fixtures.archives import bomb

SMALL = BundleLimits(max_bytes=8 * 1024 * 1024, max_files=10)


def _tar_gz(*members: tuple[str, bytes | None]) -> bytes:
    """A tar.gz of files (bytes) and folders (None), in order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            if content is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


@pytest.fixture
def area(tmp_path: Path) -> Path:
    """An empty folder to unpack into, so that what is left behind can be seen."""
    folder = tmp_path / "area"
    folder.mkdir()
    return folder


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_bomb_is_refused_with_little_memory(area: Path) -> None:
    data = bomb(256 * 1024 * 1024)
    assert len(data) < 2 * 1024 * 1024
    before = _peak_rss_mb()
    with pytest.raises(CodeBundleError, match="more than 8388608 bytes"):
        check_bundle(data, SMALL)
    with pytest.raises(CodeBundleError, match="more than 8388608 bytes"):
        extract_bundle(data, area / "out", SMALL)
    assert _peak_rss_mb() - before < 64  # never near the 256 MiB it would unpack to
    assert list(area.iterdir()) == []


def test_a_header_understating_its_size_is_caught_while_reading() -> None:
    # The declared size passes, the bytes actually read do not (a second member pushes it over).
    data = _tar_gz(("a.py", bytes(6 * 1024 * 1024)), ("b.py", bytes(3 * 1024 * 1024)))
    with pytest.raises(CodeBundleError, match=r"refusing bundle member 'b\.py'"):
        check_bundle(data, SMALL)


def test_too_many_members() -> None:
    data = _tar_gz(*[(f"m{i}.py", b"") for i in range(11)])
    with pytest.raises(CodeBundleError, match="more than 10 members"):
        check_bundle(data, SMALL)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ((("a", b"x"), ("a/b.py", b"y")), "'a' is a file"),
        ((("a/b.py", b"y"), ("a", b"x")), "a folder of that name comes first"),
        ((("a", b"x"), ("a", None)), "a file of that name comes first"),
        ((("a.py", b"x"), ("a.py", b"y")), "holds it twice"),
    ],
    ids=["file-then-child", "child-then-file", "file-then-folder", "twice"],
)
def test_clashing_members(members: tuple[tuple[str, bytes | None], ...], message: str, area: Path) -> None:
    data = _tar_gz(*members)
    with pytest.raises(CodeBundleError, match=message):
        check_bundle(data)
    with pytest.raises(CodeBundleError, match=message):
        extract_bundle(data, area / "out")
    assert list(area.iterdir()) == []


@pytest.mark.parametrize("cut", [0, 10, 60, 100, -30, -8, -1])
def test_truncated_archives(cut: int, area: Path) -> None:
    data = _tar_gz(("wf.py", b"print('hello')\n" * 200), ("other.py", b"x = 1\n" * 300))
    with pytest.raises(CodeBundleError, match=r"not a valid code bundle|has no files"):
        check_bundle(data[:cut])
    with pytest.raises(CodeBundleError):
        extract_bundle(data[:cut], area / "out")
    assert list(area.iterdir()) == []


def test_an_archive_without_files_is_refused() -> None:
    with pytest.raises(CodeBundleError, match="has no files"):
        check_bundle(_tar_gz(("folder", None)))
    with pytest.raises(CodeBundleError, match="has no files"):
        check_bundle(_tar_gz())


def test_a_good_bundle_unpacks_whole(area: Path) -> None:
    data = _tar_gz(("pkg", None), ("pkg/__init__.py", b""), ("pkg/mod.py", b"x = 1\n"), ("wf.py", b"y = 2\n"))
    check_bundle(data, SMALL)
    dest = area / "bundle"
    assert extract_bundle(data, dest, SMALL) == ["pkg/__init__.py", "pkg/mod.py", "wf.py"]
    assert (dest / "pkg" / "mod.py").read_text() == "x = 1\n"
    # Unpacked again (a second server process racing the first): the folder that won is kept.
    (dest / "marker").write_text("first")
    extract_bundle(data, dest, SMALL)
    assert (dest / "marker").read_text() == "first"
    assert sorted(p.name for p in area.iterdir()) == ["bundle"]
