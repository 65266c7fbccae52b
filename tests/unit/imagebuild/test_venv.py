"""Building images into virtual environments: steps, caching, one build for many callers, and
failures that say why."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from flyte._internal import wire
from flyte._internal.imagebuild import ImageBuilder
from flyte.errors import ImageBuildError


def _spec(*steps: wire.ImageStep, digest: str = "a" * 32) -> wire.ImageSpec:
    return wire.ImageSpec(hash=digest, uri=f"test:{digest}", python="3.11", steps=list(steps))


def test_files_variables_workdir_and_commands(tmp_path: Path) -> None:
    spec = _spec(
        wire.ImageStep(kind="env", env={"GREETING": "hello"}),
        wire.ImageStep(kind="workdir", path="/app"),
        wire.ImageStep(kind="copy_file", path="conf/settings.txt", content=b"setting"),
        wire.ImageStep(kind="commands", commands=["echo $GREETING > made.txt"]),
    )
    built = ImageBuilder(tmp_path).build(spec)
    assert built.env == {"GREETING": "hello"}
    assert built.workdir == tmp_path / spec.hash / "root" / "app"
    assert (built.workdir / "conf" / "settings.txt").read_bytes() == b"setting"
    assert (built.workdir / "made.txt").read_text() == "hello\n"
    # The environment's Python sees flyte (the host's packages) and runs in the venv.
    probe = subprocess.run(
        [str(built.python), "-c", "import sys, flyte; print(sys.prefix)"], capture_output=True, text=True, check=True
    )
    assert probe.stdout.strip() == str(tmp_path / spec.hash / "venv")


def test_many_callers_build_once(tmp_path: Path) -> None:
    spec = _spec(wire.ImageStep(kind="commands", commands=["echo built >> ../count.txt"]))
    builder = ImageBuilder(tmp_path)
    results = []
    threads = [threading.Thread(target=lambda: results.append(builder.build(spec))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len({result.python for result in results}) == 1
    assert (tmp_path / spec.hash / "count.txt").read_text() == "built\n"
    # Built images are found again by a new builder (another process, a restarted server).
    assert ImageBuilder(tmp_path).build(spec).python == results[0].python
    assert (tmp_path / spec.hash / "count.txt").read_text() == "built\n"
    ImageBuilder(tmp_path).build(spec, force=True)
    assert (tmp_path / spec.hash / "count.txt").read_text() == "built\n"  # rebuilt from scratch


def test_a_failed_step_says_which_and_leaves_nothing(tmp_path: Path) -> None:
    spec = _spec(wire.ImageStep(kind="commands", commands=["echo about to fail; exit 3"]))
    with pytest.raises(ImageBuildError) as failure:
        ImageBuilder(tmp_path).build(spec)
    assert "exited with 3" in failure.value.message
    assert "about to fail" in failure.value.message
    assert not (tmp_path / spec.hash).exists()
    assert "about to fail" in (tmp_path / f"{spec.hash}.log").read_text()


def test_missing_system_packages_are_named(tmp_path: Path) -> None:
    spec = _spec(wire.ImageStep(kind="apt", packages=["bash", "no-such-package-flyte-test"]))
    with pytest.raises(ImageBuildError, match=r"no-such-package-flyte-test.*--allow-apt"):
        ImageBuilder(tmp_path).build(spec)
    assert ImageBuilder(tmp_path).build(_spec(wire.ImageStep(kind="apt", packages=["bash"]), digest="b" * 32))


def test_paths_cannot_leave_the_image(tmp_path: Path) -> None:
    spec = _spec(wire.ImageStep(kind="copy_file", path="../../escape.txt", content=b"x"))
    with pytest.raises(ImageBuildError, match="leaves the image"):
        ImageBuilder(tmp_path).build(spec)
    assert not (tmp_path.parent / "escape.txt").exists()


def test_the_least_recently_used_images_beyond_the_cap_are_removed(tmp_path: Path) -> None:
    root = tmp_path / "images"
    builder = ImageBuilder(root, max_images=2)
    specs = [_spec(wire.ImageStep(kind="env", env={"N": str(i)}), digest=str(i) * 32) for i in range(4)]
    for spec in specs:
        builder.build(spec)
    for spec in (specs[0], specs[3]):  # used again: the most recent
        builder.build(spec)
    removed = builder.prune(in_use={specs[1].hash})
    assert removed == [specs[2].hash]  # the oldest, specs[1], is in use
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == sorted(
        spec.hash for spec in (specs[0], specs[1], specs[3])
    )
    assert builder.prune(in_use=set()) == [specs[1].hash]
    # A removed image is built again when asked for.
    assert builder.build(specs[2]).env == {"N": "2"}
