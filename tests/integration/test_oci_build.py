"""``flyte build --oci``: an image's Dockerfile built into an OCI image by the machine's container
builder (buildah, installed by ``.ci/run``), and a clear error when the build cannot be done."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

FLYTE = Path(sys.executable).parent / "flyte"
pytestmark = pytest.mark.skipif(shutil.which("buildah") is None, reason="buildah is not installed")


def _buildah(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["buildah", "--storage-driver", "vfs", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def local_base(tmp_path: Path) -> Iterator[str]:
    """A base image in buildah's storage (no registry is reachable here), removed afterwards."""
    tag = f"localhost/flyte-test-base-{secrets.token_hex(4)}:1"
    context = tmp_path / "base"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM scratch\nCOPY base.txt /base.txt\n")
    (context / "base.txt").write_text("base\n")
    built = _buildah("bud", "--isolation", "chroot", "-t", tag, str(context))
    assert built.returncode == 0, built.stderr
    try:
        yield tag
    finally:
        _buildah("rmi", "-f", tag)


def _flyte(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FLYTE), *args], cwd=folder, capture_output=True, text=True, check=False, timeout=300)


def test_an_image_is_built_with_the_container_builder(local_base: str, tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("shipped\n")
    (tmp_path / "wf.py").write_text(
        "from pathlib import Path\n"
        "import flyte\n"
        f"image = flyte.Image.from_base({local_base!r}).clone(name='flyte-test-oci', extendable=True)"
        ".with_source_file(Path(__file__).with_name('data.txt'), '/data/')\n"
        "env = flyte.TaskEnvironment(name='oci', image=image)\n"
    )
    result = _flyte(tmp_path, "build", "wf.py", "oci", "--oci")
    assert result.returncode == 0, result.stderr
    uri = result.stdout.strip().removeprefix("oci: ")
    try:
        listed = _buildah("images", "--format", "{{.Name}}:{{.Tag}}")
        assert f"localhost/{uri}" in listed.stdout.split()
    finally:
        _buildah("rmi", "-f", uri)


def test_a_build_that_cannot_be_done_says_why(tmp_path: Path) -> None:
    (tmp_path / "wf.py").write_text(
        "import flyte\n"
        "image = flyte.Image.from_debian_base().with_pip_packages('six')\n"
        "env = flyte.TaskEnvironment(name='remote_base', image=image)\n"
    )
    result = _flyte(tmp_path, "build", "wf.py", "remote_base", "--oci")
    assert result.returncode == 1
    assert "buildah could not build" in result.stderr
    assert "Traceback" not in result.stderr
