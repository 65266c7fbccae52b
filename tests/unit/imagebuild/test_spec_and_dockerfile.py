"""The wire form of an image (files' contents inside, hashed by content, not by path) and its
Dockerfile (deterministic, paths relative to the build context)."""

from __future__ import annotations

from pathlib import Path

import pytest

import flyte
from flyte._internal.imagebuild import image_spec
from flyte._internal.imagebuild._dockerfile import render_dockerfile
from flyte.errors import ImageBuildError


def _image(folder: Path) -> flyte.Image:
    (folder / "requirements.txt").write_text("tabulate\n")
    (folder / "data").mkdir(exist_ok=True)
    (folder / "data" / "a.csv").write_text("x\n1\n")
    return (
        flyte.Image.from_debian_base()
        .with_apt_packages("git")
        .with_requirements(folder / "requirements.txt")
        .with_pip_packages("six", pre=True, index_url="https://example.invalid/simple")
        .with_env_vars({"A": "1"})
        .with_workdir("/app")
        .with_source_folder(folder / "data", "/app/data", copy_contents_only=True)
        .with_commands(["echo hi"])
    )


def test_default_images_add_nothing() -> None:
    assert image_spec(None) is None
    assert image_spec("docker.io/org/image:1") is None
    assert image_spec(flyte.Image.from_debian_base()) is None


def test_the_spec_carries_contents_and_is_hashed_by_them(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    spec = image_spec(_image(first))
    assert spec is not None
    assert [step.kind for step in spec.steps] == [
        "apt", "requirements", "pip", "env", "workdir", "copy_file", "commands",
    ]  # fmt: skip
    assert spec.steps[1].text == "tabulate\n"
    assert spec.steps[5].path == "/app/data/a.csv" and spec.steps[5].content == b"x\n1\n"
    # The same recipe from another folder is the same image; other contents are another one.
    again = image_spec(_image(second))
    assert again is not None and (again.hash, again.steps) == (spec.hash, spec.steps)
    (second / "requirements.txt").write_text("tabulate==0.9.0\n")
    other = image_spec(_image(second).with_pip_packages("six"))
    assert other is not None and other.hash != spec.hash


def test_dockerfile_images_cannot_be_materialised(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM scratch\n")
    with pytest.raises(ImageBuildError, match="container builder"):
        image_spec(flyte.Image.from_dockerfile(dockerfile, registry="r", name="n"))


def test_the_dockerfile_is_deterministic(tmp_path: Path) -> None:
    image = _image(tmp_path)
    text = render_dockerfile(image, tmp_path)
    assert text == render_dockerfile(_image(tmp_path), tmp_path)
    assert text.splitlines() == [
        f"# {image.uri}",
        f"FROM {image.base_image}",
        "COPY --from=ghcr.io/astral-sh/uv:latest /uv /usr/local/bin/uv",
        "RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*",
        "COPY requirements.txt /tmp/requirements.txt",
        "RUN uv pip install --system -r /tmp/requirements.txt",
        "RUN uv pip install --system --index-url https://example.invalid/simple --prerelease=allow six",
        'ENV A="1"',
        "WORKDIR /app",
        "COPY data /app/data",
        "RUN echo hi",
    ]


def test_files_outside_the_context_are_refused(tmp_path: Path) -> None:
    image = _image(tmp_path)
    with pytest.raises(ImageBuildError, match="outside the build context"):
        render_dockerfile(image, tmp_path / "data")


def test_a_dockerignore_leaves_files_out_of_copied_folders(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "cache").mkdir(parents=True)
    (data / "keep.csv").write_text("k\n")
    (data / "skip.log").write_text("s\n")
    (data / "cache" / "big.bin").write_bytes(b"x")
    (tmp_path / ".dockerignore").write_text("# comments are skipped\n*.log\ncache\n")
    image = (
        flyte.Image.from_debian_base()
        .with_source_folder(data, "/app/data", copy_contents_only=True)
        .with_dockerignore(tmp_path / ".dockerignore")
    )
    spec = image_spec(image)
    assert spec is not None
    assert [step.path for step in spec.steps] == ["/app/data/keep.csv"]
    assert "# .dockerignore: .dockerignore" in render_dockerfile(image, tmp_path)
    (tmp_path / ".dockerignore").write_text("*.log\n")
    changed = image_spec(
        flyte.Image.from_debian_base()
        .with_source_folder(data, "/app/data", copy_contents_only=True)
        .with_dockerignore(tmp_path / ".dockerignore")
    )
    assert changed is not None and changed.hash != spec.hash


def test_an_image_by_reference_name() -> None:
    image = flyte.Image.from_ref_name("team-base")
    assert image.uri == "team-base"
    assert image_spec(image) is None  # nothing to add to the environment it names
    layered = image.with_pip_packages("six")
    assert layered.uri.startswith("team-base:")
    assert render_dockerfile(layered).splitlines()[1] == "FROM team-base"
    with pytest.raises(ValueError, match="non-empty"):
        flyte.Image.from_ref_name("")
