"""Code bundles: the loaded sources under a root, packed the same way every time, and unpacked
only inside their destination."""

from __future__ import annotations

import io
import os
import sys
import tarfile
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from flyte._internal.bundle import build_bundle, extract_bundle, task_module_ref
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
