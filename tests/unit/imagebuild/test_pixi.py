"""Pixi projects and scripts: the wire form (a script becomes the pixi.toml its metadata describes),
the Dockerfile, and the build: a clear error without pixi, and with it, its environment running
the tasks. pixi is not installable here (no PyPI package), so the build with it uses a stand-in
``pixi`` on PATH that makes the environment a real ``pixi install`` would (a Python venv)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import flyte
from flyte._internal import wire
from flyte._internal.imagebuild import ImageBuilder, image_spec
from flyte._internal.imagebuild._dockerfile import render_dockerfile
from flyte.errors import ImageBuildError
from tests.unit.imagebuild.packages import simple_index

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

STAND_IN_PIXI = f"""#!{sys.executable}
import json, os, pathlib, subprocess, sys
args = sys.argv[1:]
manifest = pathlib.Path(args[args.index("--manifest-path") + 1])
prefix = manifest.parent / ".pixi" / "envs" / args[args.index("--environment") + 1]
subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], check=True)
lock = manifest.parent / "pixi.lock"
record = {{"args": args, "manifest": manifest.read_text(), "lock": lock.read_text() if lock.exists() else None}}
pathlib.Path(os.environ["PIXI_CALLS"]).write_text(json.dumps(record))
"""

SCRIPT = """#!/usr/bin/env -S pixi run --script
# /// script
# requires-python = ">=3.11"
# dependencies = ["httpx>=0.27", "rich[jupyter]"]
#
# [tool.pixi.dependencies]
# gdal = "*"
#
# [tool.pixi.activation]
# env = {{ GDAL_DATA = "/data" }}
# ///
print({greeting!r})
"""


def _spec(image: flyte.Image) -> wire.ImageSpec:
    spec = image_spec(image)
    assert spec is not None
    return spec


def _pixi_project(folder: Path, lock: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pixi.toml").write_text('[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\n')
    if lock:
        (folder / "pixi.lock").write_text("version: 6\n")
    return folder


@pytest.fixture
def pixi_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Puts the stand-in pixi first on PATH; returns where it records its last call."""
    bin_dir = tmp_path / "pixi-bin"
    bin_dir.mkdir()
    (bin_dir / "pixi").write_text(STAND_IN_PIXI)
    (bin_dir / "pixi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PIXI_CALLS", str(tmp_path / "pixi-call.json"))
    return tmp_path / "pixi-call.json"


def test_without_pixi_the_build_names_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    spec = _spec(flyte.Image.from_debian_base().with_pixi_project(_pixi_project(tmp_path / "project")))
    with pytest.raises(ImageBuildError, match=r"needs the pixi command: it is not on this machine's PATH"):
        ImageBuilder(tmp_path / "images").build(spec)
    assert not (tmp_path / "images" / spec.hash).exists()


def test_the_pixi_environment_runs_the_tasks_and_takes_later_packages(tmp_path: Path, pixi_calls: Path) -> None:
    index = simple_index(tmp_path / "index", {"helper": [("1.0", ())]})
    image = (
        flyte.Image.from_debian_base()
        .with_pixi_project(_pixi_project(tmp_path / "project"))
        .with_pip_packages("helper", index_url=index)
        .with_commands(["echo $VIRTUAL_ENV > active.txt"])
    )
    spec = _spec(image)
    built = ImageBuilder(tmp_path / "images").build(spec)
    call = json.loads(pixi_calls.read_text())
    manifest = tmp_path / "images" / spec.hash / "root" / "opt" / "pixi-project" / "pixi.toml"
    assert call["args"] == ["install", "--manifest-path", str(manifest), "--environment", "default", "--locked"]
    assert call["lock"] == "version: 6\n"
    prefix = manifest.parent / ".pixi" / "envs" / "default"
    assert built.python == prefix / "bin" / "python"
    assert (built.workdir / "active.txt").read_text().strip() == str(prefix)
    probe = "import sys, flyte, helper; print(sys.prefix, helper.__file__.startswith(sys.prefix))"
    out = subprocess.run([str(built.python), "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == [str(prefix), "True"]
    # A new builder (a restarted server) finds the same interpreter.
    assert ImageBuilder(tmp_path / "images").build(spec).python == built.python


def test_frozen_replaces_locked_and_other_environments(tmp_path: Path, pixi_calls: Path) -> None:
    image = flyte.Image.from_debian_base().with_pixi_project(
        _pixi_project(tmp_path / "project") / "pixi.toml", environment="cuda-12", extra_args="--frozen"
    )
    built = ImageBuilder(tmp_path / "images").build(_spec(image))
    args = json.loads(pixi_calls.read_text())["args"]
    assert args[-3:] == ["--environment", "cuda-12", "--frozen"] and "--locked" not in args
    assert built.python.parent.parent.name == "cuda-12"


def test_a_script_becomes_the_manifest_its_metadata_describes(tmp_path: Path, pixi_calls: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(SCRIPT.format(greeting="hi"))
    image = flyte.Image.from_pixi_script(script, name="job", platform=("linux/amd64",))
    spec = _spec(image)
    (step,) = spec.steps
    assert (step.kind, step.path, step.environment, step.lock) == (
        "pixi_project", "/opt/pixi-project/pixi.toml", "default", None,
    )  # fmt: skip
    assert tomllib.loads(step.text or "") == {
        "workspace": {"name": "job", "channels": ["conda-forge"], "platforms": ["linux-64"]},
        "dependencies": {"gdal": "*", "python": ">=3.11"},
        "pypi-dependencies": {"httpx": ">=0.27", "rich": {"version": "*", "extras": ["jupyter"]}},
        "activation": {"env": {"GDAL_DATA": "/data"}},
    }
    ImageBuilder(tmp_path / "images").build(spec)
    assert json.loads(pixi_calls.read_text())["manifest"] == step.text

    # The script's code is not in the image: editing it builds nothing new; its metadata does.
    script.write_text(SCRIPT.format(greeting="hello"))
    same = flyte.Image.from_pixi_script(script, name="job", platform=("linux/amd64",))
    assert (same.content_hash, _spec(same).hash) == (image.content_hash, spec.hash)
    script.write_text(SCRIPT.format(greeting="hello").replace('gdal = "*"', 'gdal = "3.*"'))
    changed = flyte.Image.from_pixi_script(script, name="job", platform=("linux/amd64",))
    assert changed.content_hash != image.content_hash and _spec(changed).hash != spec.hash

    (tmp_path / "job.py.pixi.lock").write_text("version: 6\n")
    locked = flyte.Image.from_pixi_script(script, name="job", platform=("linux/amd64",))
    assert locked.content_hash != changed.content_hash and _spec(locked).steps[0].lock == "version: 6\n"


@pytest.mark.parametrize(
    ("metadata", "named"),
    [
        ("", "job.py has no inline script metadata"),
        ("# dependencies = [\"httpx; python_version < '3.12'\"]\n", "target.<platform>"),
        ('# [tool.pixi.workspace]\n# platforms = ["linux-64"]\n', "['linux-aarch64']"),
        ("# dependencies = [\n", "inline metadata of job.py is not valid TOML"),
    ],
)
def test_script_problems_are_named(tmp_path: Path, metadata: str, named: str) -> None:
    script = tmp_path / "job.py"
    script.write_text(f"# /// script\n{metadata}# ///\n" if metadata else "print('no metadata')\n")
    with pytest.raises(ImageBuildError) as failure:
        image_spec(flyte.Image.from_pixi_script(script, name="job"))
    assert named in failure.value.message


def test_the_whole_project_is_copied_when_asked(tmp_path: Path) -> None:
    project = _pixi_project(tmp_path / "project", lock=False)
    (project / "pyproject.toml").write_text("[tool.pixi.workspace]\n")
    (project / "src").mkdir()
    (project / "src" / "app.py").write_text("X = 1\n")
    (project / ".pixi" / "envs").mkdir(parents=True)
    (project / ".pixi" / "envs" / "junk").write_text("an installed environment is not copied")
    spec = _spec(flyte.Image.from_debian_base().with_pixi_project(project, project_install_mode="install_project"))
    assert [(step.kind, step.path) for step in spec.steps] == [
        ("copy_file", "/opt/pixi-project/pixi.toml"),
        ("copy_file", "/opt/pixi-project/pyproject.toml"),
        ("copy_file", "/opt/pixi-project/src/app.py"),
        ("pixi_project", "/opt/pixi-project/pixi.toml"),  # pixi.toml wins over pyproject.toml
    ]
    assert spec.steps[-1].lock is None


def test_dockerfile(tmp_path: Path) -> None:
    project = _pixi_project(tmp_path / "project")
    image = flyte.Image.from_debian_base().with_pixi_project(project).with_pip_packages("six")
    assert render_dockerfile(image, tmp_path).splitlines()[2:] == [
        "COPY --from=ghcr.io/astral-sh/uv:latest /uv /usr/local/bin/uv",
        "COPY --from=ghcr.io/prefix-dev/pixi:latest /usr/local/bin/pixi /usr/local/bin/pixi",
        "COPY project/pixi.toml /opt/pixi-project/pixi.toml",
        "COPY project/pixi.lock /opt/pixi-project/pixi.lock",
        "RUN pixi install --manifest-path /opt/pixi-project/pixi.toml --environment default --locked",
        'ENV VIRTUAL_ENV="/opt/pixi-project/.pixi/envs/default"',
        'ENV PATH="/opt/pixi-project/.pixi/envs/default/bin:$PATH"',
        "RUN uv pip install --system six",
    ]
    whole = flyte.Image.from_debian_base().with_pixi_project(project, project_install_mode="install_project")
    assert render_dockerfile(whole, tmp_path).splitlines()[3:5] == [
        "COPY project /opt/pixi-project",
        "RUN pixi install --manifest-path /opt/pixi-project/pixi.toml --environment default --locked",
    ]
    script = tmp_path / "job.py"
    script.write_text(SCRIPT.format(greeting="hi"))
    scripted = flyte.Image.from_pixi_script(script, name="job")
    text = render_dockerfile(scripted, tmp_path)
    assert text == render_dockerfile(flyte.Image.from_pixi_script(script, name="job"), tmp_path)
    lines = text.splitlines()
    start = lines.index('COPY <<"FLYTE_PIXI_MANIFEST" /opt/pixi-project/pixi.toml')
    end = lines.index("FLYTE_PIXI_MANIFEST")
    manifest = tomllib.loads("\n".join(lines[start + 1 : end]))
    assert manifest["workspace"]["platforms"] == ["linux-64", "linux-aarch64"]
    assert lines[end + 1] == "RUN pixi install --manifest-path /opt/pixi-project/pixi.toml --environment default"
