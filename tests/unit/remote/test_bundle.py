"""Code bundles: the loaded sources under a root, packed the same way every time, and unpacked
only inside their destination."""

from __future__ import annotations

import gzip
import io
import os
import sys
import tarfile
import tracemalloc
import types
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from flyte._internal.bundle import BundleLimits, build_bundle, check_bundle, extract_bundle, task_module_ref
from flyte.errors import CodeBundleError


def _fake_module(monkeypatch: pytest.MonkeyPatch, name: str, file: Path, source: str = "x = 1\n") -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(source)
    module = types.ModuleType(name)
    module.__file__ = str(file)
    monkeypatch.setitem(sys.modules, name, module)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project folder whose modules look loaded: two of its own, and some that are not its code."""
    root = tmp_path / "proj"
    _fake_module(monkeypatch, "wf", root / "wf.py")
    _fake_module(monkeypatch, "pkg", root / "pkg" / "__init__.py", "")
    _fake_module(monkeypatch, "pkg.util", root / "pkg" / "util.py")
    _fake_module(monkeypatch, "installed", root / ".venv" / "lib" / "site-packages" / "installed.py")
    _fake_module(monkeypatch, "envlib", root / "env" / "lib" / "envlib.py")
    (root / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    _fake_module(monkeypatch, "elsewhere", tmp_path / "other" / "elsewhere.py")
    yield root


def test_bundle_holds_the_loaded_sources_under_the_root_only(project: Path) -> None:
    bundle = build_bundle(project)
    assert bundle.files == ["pkg/__init__.py", "pkg/util.py", "wf.py"]
    with tarfile.open(fileobj=io.BytesIO(bundle.data), mode="r:gz") as tar:
        assert tar.getnames() == bundle.files
        member = tar.getmember("wf.py")
        assert (member.mtime, member.uid, member.gid, member.uname, member.mode) == (0, 0, 0, "", 0o644)


def test_same_sources_give_the_same_bytes_and_hash(project: Path) -> None:
    first = build_bundle(project)
    os.utime(project / "wf.py", (1, 1))  # a touched file with the same content changes nothing
    second = build_bundle(project)
    assert first.data == second.data and first.hash == second.hash
    assert len(first.hash) == 64
    (project / "wf.py").write_text("x = 2\n")
    assert build_bundle(project).hash != first.hash


def test_extra_files_are_added_and_must_be_inside_the_root(project: Path, tmp_path: Path) -> None:
    (project / "data").mkdir()
    (project / "data" / "table.csv").write_text("a,b\n")
    bundle = build_bundle(project, [project / "data" / "table.csv"])
    assert "data/table.csv" in bundle.files
    outside = tmp_path / "outside.txt"
    outside.write_text("no")
    with pytest.raises(CodeBundleError, match="not inside the project root"):
        build_bundle(project, [outside])
    with pytest.raises(CodeBundleError, match="no such file"):
        build_bundle(project, [project / "missing.txt"])


def test_flyte_itself_is_never_bundled(tmp_path: Path) -> None:
    import flyte

    flyte_src = Path(flyte.__file__).parent.parent
    assert not any(name.startswith("flyte/") for name in build_bundle(flyte_src).files)


def test_extract_round_trips(project: Path, tmp_path: Path) -> None:
    bundle = build_bundle(project)
    dest = tmp_path / "out"
    assert extract_bundle(bundle.data, dest) == bundle.files
    assert (dest / "pkg" / "util.py").read_text() == "x = 1\n"


def _tar(*members: tarfile.TarInfo, content: bytes = b"evil") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for member in members:
            if member.isfile():
                member.size = len(content)
                tar.addfile(member, io.BytesIO(content))
            else:
                tar.addfile(member)
    return buffer.getvalue()


def _link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.mark.parametrize(
    "member",
    [
        tarfile.TarInfo("../escape.py"),
        tarfile.TarInfo("ok/../../escape.py"),
        tarfile.TarInfo("/etc/escape.py"),
        _link("link.py", "/etc/passwd", tarfile.SYMTYPE),
        _link("hard.py", "../outside", tarfile.LNKTYPE),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "symlink", "hardlink"],
)
def test_extract_refuses_members_that_escape(member: tarfile.TarInfo, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    data = _tar(tarfile.TarInfo("fine.py"), member)
    with pytest.raises(CodeBundleError, match=f"refusing bundle member {member.name!r}"):
        extract_bundle(data, dest)
    assert not (dest / "fine.py").exists()  # nothing is written before every member is checked
    assert not (tmp_path / "escape.py").exists()


def test_extract_refuses_what_is_not_a_bundle(tmp_path: Path) -> None:
    with pytest.raises(CodeBundleError, match="not a valid code bundle"):
        extract_bundle(b"not a tarball", tmp_path / "out")


@pytest.fixture
def area(tmp_path: Path) -> Path:
    """An empty folder to unpack into, so that what is left beside the bundle's folder can be seen."""
    folder = tmp_path / "area"
    folder.mkdir()
    return folder


def _device(name: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    return info


@pytest.mark.parametrize(
    ("member", "why"),
    [
        (_device("tty", tarfile.CHRTYPE), "only files and folders"),
        (_device("disk", tarfile.BLKTYPE), "only files and folders"),
        (_device("pipe", tarfile.FIFOTYPE), "only files and folders"),
        (tarfile.TarInfo("pkg\\mod.py"), "outside the bundle's folder"),
        (tarfile.TarInfo("C:/mod.py"), "outside the bundle's folder"),
        (tarfile.TarInfo("c:mod.py"), "outside the bundle's folder"),
        (tarfile.TarInfo("é\0mod.py"), "NUL character"),
        (tarfile.TarInfo("."), "the bundle's folder itself"),
        (tarfile.TarInfo("./"), "the bundle's folder itself"),
        (tarfile.TarInfo("x" * 1025), "longer than 1024 characters"),
        (tarfile.TarInfo("pkg/" + "é" * 128 + ".py"), "part over 255 bytes"),
    ],
    ids=[
        "char-device",
        "block-device",
        "fifo",
        "backslash",
        "drive",
        "drive-relative",
        "nul",
        "dot",
        "dot-slash",
        "long-path",
        "long-part",
    ],
)
def test_check_and_extract_refuse_what_cannot_be_a_plain_file_inside(
    member: tarfile.TarInfo, why: str, area: Path
) -> None:
    data = _tar(tarfile.TarInfo("fine.py"), member)
    with pytest.raises(CodeBundleError, match=rf"^refusing bundle member .*{why}"):
        check_bundle(data)
    with pytest.raises(CodeBundleError, match=why):
        extract_bundle(data, area / "out")
    assert list(area.iterdir()) == []  # neither the folder nor a partial one


def _gz(pieces: Iterable[bytes]) -> bytes:
    """A gzip of ``pieces``, compressed one at a time: a bomb's zeros are never all in memory."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as gz:
        for piece in pieces:
            gz.write(piece)
    return buffer.getvalue()


def _raw_file(name: str, content: bytes = b"x = 1\n") -> bytes:
    """A file member as tar blocks: its header, its contents and their padding."""
    info = tarfile.TarInfo(name)
    info.size = len(content)
    padding = -len(content) % tarfile.BLOCKSIZE
    return info.tobuf(format=tarfile.PAX_FORMAT) + content + bytes(padding)


def _header_bomb(kind: bytes, size: int) -> bytes:
    """A tar.gz whose first header (a pax header or a GNU long name) is ``size`` zero bytes, then a file."""
    header = tarfile.TarInfo("././@LongLink")
    header.type = kind
    header.size = size
    zeros = (bytes(1 << 20) for _ in range(size >> 20))
    return _gz([header.tobuf(format=tarfile.USTAR_FORMAT), *zeros, _raw_file("wf.py"), bytes(1024)])


def _peak_of_refusal(data: bytes, match: str) -> int:
    """The peak of the memory Python allocates while ``check_bundle`` refuses ``data``."""
    tracemalloc.start()
    try:
        with pytest.raises(CodeBundleError, match=match):
            check_bundle(data)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", [tarfile.XHDTYPE, tarfile.GNUTYPE_LONGNAME], ids=["pax", "gnu-long-name"])
def test_a_header_bomb_is_refused_with_little_memory(kind: bytes, area: Path) -> None:
    # tarfile reads a header whole: 64 MiB of zeros in ~64 KiB of upload would take 64 MiB, three times.
    data = _header_bomb(kind, 64 * 1024 * 1024)
    assert len(data) < 256 * 1024
    assert _peak_of_refusal(data, "^not a valid code bundle: its headers or padding take more than") < 4 * 1024 * 1024
    with pytest.raises(CodeBundleError, match="headers or padding"):
        extract_bundle(data, area / "out")
    assert list(area.iterdir()) == []


def test_many_oversized_headers_are_refused() -> None:
    # Each header fits in what one may take; together they would keep tarfile busy for minutes.
    def member(i: int) -> bytes:
        info = tarfile.TarInfo(f"m{i}.py")
        info.uname = "u" * 60_000
        return info.tobuf(format=tarfile.PAX_FORMAT)

    data = _gz([*(member(i) for i in range(50)), bytes(1024)])
    with pytest.raises(CodeBundleError, match="headers average more than 4096 bytes a member"):
        check_bundle(data)


def test_deep_varied_paths_are_refused_with_bounded_memory() -> None:
    # Every folder above a file is remembered to find clashes: 500-deep paths that share no folder
    # would cost 500 strings of up to 1 KiB each, a member.
    deep = "a/" * 500
    data = _gz([*(_raw_file(f"p{i}/{deep}f.py", b"") for i in range(200)), bytes(1024)])
    assert _peak_of_refusal(data, "the bundle's paths add up to more than") < 48 * 1024 * 1024


def test_deep_paths_sharing_their_folders_are_fine() -> None:
    deep = "a/" * 500
    check_bundle(_gz([*(_raw_file(f"{deep}f{i}.py", b"") for i in range(200)), bytes(1024)]))


def test_padding_after_the_archive_is_bounded() -> None:
    archive = _raw_file("wf.py") + bytes(1024)
    check_bundle(_gz([archive, bytes(9 * 1024)]))  # a record's padding, as tar writes
    with pytest.raises(CodeBundleError, match="headers or padding take more than"):
        check_bundle(_gz([archive, bytes(1 << 20)]))


def _with_globals(headers: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT, pax_headers=headers) as tar:
        info = tarfile.TarInfo("wf.py")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    return buffer.getvalue()


def test_pax_global_headers_are_few() -> None:
    check_bundle(_with_globals({"comment": "0123abcd"}))  # as git archive writes
    with pytest.raises(CodeBundleError, match="more than 16 pax global headers"):
        check_bundle(_with_globals({f"key{i}": "v" for i in range(17)}))


def test_an_archive_made_from_its_folder_unpacks_without_dot_prefixes(area: Path) -> None:
    # tar -C folder . names its members ./pkg/mod.py, after a ./ entry for the folder itself.
    source = area / "src"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "mod.py").write_text("x = 1\n")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(source, arcname=".")
    dest = area / "out"
    assert extract_bundle(buffer.getvalue(), dest, BundleLimits(max_bytes=1024, max_files=3)) == ["pkg/mod.py"]
    assert (dest / "pkg" / "mod.py").read_text() == "x = 1\n"
    assert sorted(p.name for p in area.iterdir()) == ["out", "src"]


def _task_in(module: str) -> object:
    def func() -> None:
        pass

    func.__module__ = module
    return types.SimpleNamespace(func=func, name=f"env.{module}")


def test_task_module_ref_is_a_path_inside_the_root_else_a_module_name(project: Path) -> None:
    assert task_module_ref(_task_in("pkg.util"), project) == "pkg/util.py"  # type: ignore[arg-type]
    assert task_module_ref(_task_in("elsewhere"), project) == "elsewhere"  # type: ignore[arg-type]
    assert task_module_ref(_task_in("json"), project) == "json"  # type: ignore[arg-type]


def test_task_module_ref_refuses_interactive_code(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    with pytest.raises(CodeBundleError, match="interactive session or notebook"):
        task_module_ref(_task_in("__main__"), project)  # type: ignore[arg-type]
