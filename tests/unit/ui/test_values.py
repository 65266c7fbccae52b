"""Values on the run page: files and data frames found inside values, previewed only when they
are inside the source's data folders."""

from __future__ import annotations

from pathlib import Path

from flyte.server.ui.values import found_refs, local_path, view


def test_files_and_frames_are_found_anywhere_in_a_value() -> None:
    value = [{"path": "/d/a.txt", "name": "a.txt"}, {"k": {"uri": "/d/f.parquet", "format": "parquet"}}, 3]
    assert found_refs(value) == [("file", "/d/a.txt"), ("dataframe", "/d/f.parquet")]


def test_only_paths_inside_the_data_roots_are_readable(tmp_path: Path) -> None:
    root = tmp_path / "data"
    root.mkdir()
    inside = root / "x.txt"
    inside.write_text("one\ntwo\n")
    (tmp_path / "secret.txt").write_text("no")
    (root / "escape").symlink_to(tmp_path / "secret.txt")
    assert local_path(str(inside), (root,)) == inside.resolve()
    assert local_path(f"file://{inside}", (root,)) == inside.resolve()
    assert local_path("/etc/passwd", (root,)) is None
    assert local_path(f"{root}/../secret.txt", (root,)) is None
    assert local_path(str(root / "escape"), (root,)) is None
    assert local_path("s3://bucket/x", (root,)) is None
    assert local_path("relative/x", (root,)) is None


def test_a_file_value_gets_a_preview_of_its_first_lines(tmp_path: Path) -> None:
    data = tmp_path / "f.csv"
    data.write_text("".join(f"row {i}\n" for i in range(50)))
    shown = view("o0", {"path": str(data), "name": "f.csv"}, (tmp_path,))
    (ref,) = shown.refs
    assert ref.readable and ref.preview is not None
    assert ref.preview.lines == [f"row {i}" for i in range(10)]
    outside = view("o0", {"path": "/etc/hostname"}, (tmp_path / "nothing",))
    assert not outside.refs[0].readable and outside.refs[0].preview is None


def test_a_parquet_frame_is_previewed_as_a_table(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = tmp_path / "data.parquet"
    pq.write_table(pa.table({"a": list(range(20)), "b": [f"<b>{i}</b>" for i in range(20)]}), str(frame))
    (ref,) = view("df", {"uri": str(frame), "format": "parquet"}, (tmp_path,)).refs
    assert ref.preview is not None
    assert ref.preview.columns == ["a", "b"]
    assert ref.preview.rows == [[str(i), f"<b>{i}</b>"] for i in range(5)]
