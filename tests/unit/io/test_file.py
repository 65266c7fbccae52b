"""flyte.io.File outside of runs: making, reading, downloading, hashing, typed files, bad input."""

from __future__ import annotations

import hashlib
import os
import pickle
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import flyte
from flyte._internal.serde._cache_form import cache_form
from flyte.io import File
from flyte.io._serde import RefTransformer


@pytest.fixture
def memory_prefix() -> str:
    """A fresh in-memory bucket prefix, so tests never see each other's objects."""
    return f"memory://t{secrets.token_hex(6)}/raw"


@pytest.fixture
def local_file(tmp_path: Path) -> Path:
    path = tmp_path / "local_file.txt"
    path.write_text("hello\nworld\n")
    return path


def test_flyte_io_is_reachable_from_flyte() -> None:
    assert flyte.io.File is File
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        flyte.nope  # type: ignore[attr-defined]  # noqa: B018


def test_flyte_io_exports_are_pinned() -> None:
    assert flyte.io.__all__ == ["PARQUET", "DataFrame", "Dir", "EmptyDir", "File", "HashFunction", "HashMethod"]


def test_import_flyte_loads_flyte_io_only_when_used() -> None:
    probe = (
        "import sys, flyte\n"
        "heavy = [m for m in ('pandas', 'pyarrow', 'obstore') if m in sys.modules]\n"
        "print('flyte.io' in sys.modules, heavy)\n"
        "print(flyte.io.File.__name__, 'flyte.io' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["False []", "File True"]


def test_from_local_keeps_a_local_file_where_it_is(local_file: Path) -> None:
    os.chdir(local_file.parent)
    f = File.from_local("./local_file.txt")
    assert f.path == str(local_file) and os.path.isabs(f.path)
    assert f.name == "local_file.txt" and f.format == "" and f.hash is None
    assert File.from_local_sync(local_file) == f


def test_from_local_to_a_destination_uploads(local_file: Path, memory_prefix: str) -> None:
    f = File.from_local(local_file, remote_destination=f"{memory_prefix}/copy.txt")
    assert f.path == f"{memory_prefix}/copy.txt" and f.name == "copy.txt"
    assert f.read() == "hello\nworld\n"


def test_from_local_refuses_missing_paths_and_folders(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.txt"):
        File.from_local(tmp_path / "nope.txt")
    with pytest.raises(IsADirectoryError, match=r"Dir\.from_local"):
        File.from_local(tmp_path)


def test_from_local_refuses_destination_escaping_its_prefix(local_file: Path, memory_prefix: str) -> None:
    with pytest.raises(ValueError, match=r"\.\."):
        File.from_local(local_file, remote_destination=f"{memory_prefix}/../x.txt")


def test_from_string_writes_under_the_raw_data_prefix() -> None:
    f = File.from_string("some text", "output.txt")
    assert f.name == "output.txt"
    assert Path(f.path).is_relative_to(Path(os.environ["FLYTE_HOME"]) / "data")
    assert f.read() == "some text"
    assert f.read_bytes() == b"some text"
    assert File.from_string_sync("x", "y.txt").read() == "x"


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/passwd", "a/b.txt", "..", ""])
def test_names_with_folders_or_dots_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="plain file name"):
        File.from_string("x", name)
    with pytest.raises(ValueError, match="plain file name"):
        File.new_remote(name)


def test_from_string_refuses_bytes() -> None:
    with pytest.raises(TypeError, match="expects str"):
        File.from_string(b"x", "a.txt")  # type: ignore[arg-type]


def test_new_remote_writes_with_open_and_reads_back() -> None:
    f = File.new_remote("data.bin")
    assert f.name == "data.bin" and not f.exists()
    with f.open("wb") as fh:
        fh.write(b"abc" * 1000)
    assert f.exists() and f.exists_sync()
    assert f.read_bytes() == b"abc" * 1000
    assert File.new_remote().name  # a generated name


def test_from_existing_remote(memory_prefix: str) -> None:
    uri = f"{memory_prefix}/existing.csv"
    File.from_string("a,b\n", "tmp.csv").download(Path("tmp.csv"))
    File.from_local(Path("tmp.csv"), remote_destination=uri)
    f = File.from_existing_remote(uri, file_cache_key="abc")
    assert (f.path, f.name, f.hash) == (uri, "existing.csv", "abc")
    assert f.read() == "a,b\n"
    with pytest.raises(ValueError, match=r"\.\."):
        File.from_existing_remote(f"{memory_prefix}/../x")


def test_unreadable_remote_uri_names_it(memory_prefix: str) -> None:
    f = File.from_existing_remote(f"{memory_prefix}/missing.txt")
    assert not f.exists()
    for call in (f.read, f.read_bytes, f.download):
        with pytest.raises(FileNotFoundError, match=r"missing\.txt"):
            call()
    with pytest.raises(FileNotFoundError, match=r"missing\.txt"), f.open() as fh:
        fh.read()


def test_unsupported_scheme_is_named() -> None:
    with pytest.raises(ValueError, match="ftp://host/x"):
        File.from_existing_remote("ftp://host/x").read()


def test_download_of_a_local_file_is_the_file_itself(local_file: Path, tmp_path: Path) -> None:
    f = File.from_local(local_file)
    assert f.download() == str(local_file)
    target = tmp_path / "out" / "copy.txt"
    assert f.download(target) == str(target) and target.read_text() == "hello\nworld\n"
    folder = tmp_path / "folder"
    folder.mkdir()
    assert f.download_sync(folder) == str(folder / "local_file.txt")
    with pytest.raises(FileNotFoundError, match=r"gone\.txt"):
        File(tmp_path / "gone.txt").download()


def test_download_of_a_remote_file(local_file: Path, memory_prefix: str, tmp_path: Path) -> None:
    f = File.from_local(local_file, remote_destination=f"{memory_prefix}/r.txt")
    path = Path(f.download())
    assert path.name == "r.txt" and path.read_text() == "hello\nworld\n"
    assert Path(f.download(tmp_path / "here.txt")).read_text() == "hello\nworld\n"


def test_a_file_is_path_like(local_file: Path, memory_prefix: str) -> None:
    local = File.from_local(local_file)
    assert os.fspath(local) == str(local_file) and str(local) == str(local_file)
    assert local.endswith(".txt") and local.endswith((".csv", ".txt")) and not local.endswith(".csv")
    remote = File.from_local(local_file, remote_destination=f"{memory_prefix}/p.txt")
    with open(remote) as fh:  # downloaded on first use...
        assert fh.read() == "hello\nworld\n"
    assert os.fspath(remote) == os.fspath(remote)  # ...and only once
    assert Path(os.fspath(remote)).name == "p.txt"


def test_hash_precomputed_computed_or_from_hashlib(local_file: Path) -> None:
    expected = hashlib.sha256(local_file.read_bytes()).hexdigest()
    assert File.from_local(local_file, hash_method="v1").hash == "v1"
    assert File.from_local(local_file, hash_method=hashlib.sha256()).hash == expected

    class Length:
        def __init__(self) -> None:
            self.n = 0

        def update(self, data: bytes, /) -> None:
            self.n += len(data)

        def result(self) -> str:
            return str(self.n)

    assert File.from_local(local_file, hash_method=Length()).hash == "12"
    with pytest.raises(TypeError, match="hash_method"):
        File.from_local(local_file, hash_method=42)
    with pytest.raises(ValueError, match="empty"):
        File.from_local(local_file, hash_method="")


def test_hash_is_computed_while_uploading(local_file: Path, memory_prefix: str) -> None:
    f = File.from_local(local_file, remote_destination=f"{memory_prefix}/h.txt", hash_method=hashlib.md5())
    assert f.hash == hashlib.md5(local_file.read_bytes()).hexdigest()
    assert f.read() == local_file.read_text()


def test_hash_is_computed_while_writing() -> None:
    f = File.new_remote("h.bin", hash_method=hashlib.sha1())
    with f.open("wb") as fh:
        fh.write(b"a" * 10)
        fh.write(bytearray(b"b" * 10))
    assert f.hash == hashlib.sha1(b"a" * 10 + b"b" * 10).hexdigest()
    assert File.new_remote(hash_method="known").hash == "known"


def test_the_cache_sees_the_hash_instead_of_the_path() -> None:
    transformer = RefTransformer(File)
    a, b = File("/one/x.csv", hash="h1"), File("/two/x.csv", hash="h1")
    plain = File("/one/x.csv")
    with cache_form():
        assert transformer.to_literal(a) == transformer.to_literal(b) == {"hash": "h1", "format": ""}
        assert transformer.to_literal(plain)["path"] == "/one/x.csv"
    assert transformer.to_literal(a)["path"] == "/one/x.csv"


def test_typed_files_carry_their_format(tmp_path: Path) -> None:
    csv = File["csv"]
    assert csv is File["csv"] and issubclass(csv, File) and csv.__name__ == "File[csv]"
    f = csv(tmp_path / "a.csv")
    assert f.format == "csv" and isinstance(f, File)
    assert repr(f) == f"File[csv](path={str(tmp_path / 'a.csv')!r}, name='a.csv', format='csv')"
    with pytest.raises(ValueError, match=r"a\.csv.*'parquet', expected 'csv'"):
        csv(tmp_path / "a.csv", format="parquet")
    assert File[int] is File  # a type parameter without a format, as in the SDK's File[T]
    path = tmp_path / "data.csv"
    path.write_text("x\n1\n")
    assert csv.from_local(path).format == "csv"


def test_files_compare_and_pickle_by_value(tmp_path: Path) -> None:
    f = File["csv"](tmp_path / "a.csv", hash="h")
    assert f == File(tmp_path / "a.csv", format="csv", hash="h")
    assert f != File(tmp_path / "a.csv", format="csv")
    assert len({f, File(tmp_path / "a.csv", format="csv", hash="h")}) == 1
    back = pickle.loads(pickle.dumps(f))
    assert back == f and type(back) is File["csv"]


def test_bad_constructor_arguments() -> None:
    with pytest.raises(TypeError, match="needs a path"):
        File("")
    with pytest.raises(TypeError, match="needs a path"):
        File(42)  # type: ignore[arg-type]


def test_open_refuses_unknown_modes(local_file: Path) -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        File.from_local(local_file).open("a")
