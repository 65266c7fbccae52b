"""Poetry projects: the locked versions installed with uv (from a local package index, so no
network), the project itself when asked, the poetry install options applied, and their Dockerfile."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import flyte
from flyte._internal import wire
from flyte._internal.imagebuild import ImageBuilder, image_spec
from flyte._internal.imagebuild._dockerfile import render_dockerfile
from flyte._internal.imagebuild._poetry import poetry_plan
from flyte.errors import ImageBuildError
from tests.unit.imagebuild.packages import IN_TREE_BACKEND, simple_index, wheel

LOCK_ENTRY = """
[[package]]
name = "{name}"
version = "{version}"
description = ""
optional = false
python-versions = "*"
files = []
"""


def _lock(*pins: tuple[str, str], extra: str = "") -> str:
    body = "".join(LOCK_ENTRY.format(name=name, version=version) for name, version in pins)
    return f'{body}{extra}\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.10"\ncontent-hash = "0"\n'


def _project(folder: Path, pyproject: str, lock: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(pyproject)
    (folder / "poetry.lock").write_text(lock)
    return folder / "pyproject.toml"


def _spec(image: flyte.Image) -> wire.ImageSpec:
    spec = image_spec(image)
    assert spec is not None
    return spec


def _imports(python: Path, code: str) -> str:
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_locked_versions_are_installed_from_the_projects_source(tmp_path: Path) -> None:
    index = simple_index(
        tmp_path / "index",
        {"app-core": [("1.0", ("helper",))], "helper": [("1.0", ()), ("2.0", ())], "devtool": [("0.1", ())]},
    )
    pyproject = _project(
        tmp_path / "project",
        f"""
[tool.poetry]
name = "service"
version = "0.1.0"
package-mode = false

[tool.poetry.dependencies]
python = "^3.10"
app-core = "^1.0"

[tool.poetry.group.dev.dependencies]
devtool = "*"

[[tool.poetry.source]]
name = "local"
url = "{index}"
priority = "primary"
""",
        _lock(("app-core", "1.0"), ("helper", "1.0"), ("devtool", "0.1")),
    )
    spec = _spec(flyte.Image.from_debian_base().with_poetry_project(pyproject))
    built = ImageBuilder(tmp_path / "images").build(spec)
    # helper 2.0 is the newest, but the lock says 1.0; the dev group is installed, as poetry does.
    assert _imports(built.python, "import app_core, helper, devtool; print(helper.VERSION)") == "1.0"

    without_dev = _spec(flyte.Image.from_debian_base().with_poetry_project(pyproject, extra_args="--without dev"))
    assert without_dev.hash != spec.hash
    lean = ImageBuilder(tmp_path / "images").build(without_dev)
    assert _imports(lean.python, "import importlib.util as u; print(u.find_spec('devtool') is None)") == "True"


def test_the_project_itself_with_a_path_dependency(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "service").mkdir(parents=True)
    (project / "service" / "__init__.py").write_text("NAME = 'service'\n")
    (project / "backend.py").write_text(IN_TREE_BACKEND.format(name="service", version="0.1.0"))
    wheel(project / "wheels", "vendored", "3.0")
    pyproject = _project(
        project,
        """
[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]

[tool.poetry]
name = "service"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.10"
vendored = {path = "wheels/vendored-3.0-py3-none-any.whl"}
""",
        _lock(extra='\n[[package]]\nname = "vendored"\nversion = "3.0"\n[package.source]\ntype = "file"\n'),
    )
    image = flyte.Image.from_debian_base().with_poetry_project(pyproject, project_install_mode="install_project")
    spec = _spec(image)
    assert spec.steps[-1].path == "/opt/poetry-project"
    assert "/opt/poetry-project/service/__init__.py" in [step.path for step in spec.steps]
    built = ImageBuilder(tmp_path / "images").build(spec)
    assert _imports(built.python, "import service, vendored; print(service.NAME, vendored.VERSION)") == "service 3.0"

    # Without the project's folder in the image, its path dependency is not there.
    with pytest.raises(ImageBuildError, match=r"'vendored'.*install_project"):
        ImageBuilder(tmp_path / "images").build(_spec(flyte.Image.from_debian_base().with_poetry_project(pyproject)))


def test_the_spec_follows_the_files_contents_not_their_place(tmp_path: Path) -> None:
    pyproject_text = '[tool.poetry]\nname = "a"\n[tool.poetry.dependencies]\npython = "^3.10"\nsix = "^1.16"\n'
    first = _project(tmp_path / "one", pyproject_text, _lock(("six", "1.16.0")))
    second = _project(tmp_path / "two", pyproject_text, _lock(("six", "1.16.0")))
    spec = _spec(flyte.Image.from_debian_base().with_poetry_project(first))
    assert _spec(flyte.Image.from_debian_base().with_poetry_project(second)).hash == spec.hash
    assert spec.steps[0].lock == _lock(("six", "1.16.0")) and spec.steps[0].path is None
    (tmp_path / "two" / "poetry.lock").write_text(_lock(("six", "1.17.0")))
    relocked = _spec(flyte.Image.from_debian_base().with_poetry_project(second))
    assert relocked.hash != spec.hash
    (tmp_path / "two" / "README.md").write_text("not part of what is installed\n")
    assert _spec(flyte.Image.from_debian_base().with_poetry_project(second)).hash == relocked.hash


def test_poetry_constraints_become_pep_508(tmp_path: Path) -> None:
    pyproject = """
[tool.poetry.dependencies]
python = "^3.10"
caret = "^1.2.3"
caret-zero = "^0.2"
tilde = "~1.4"
exact = "2.0"
wild = "*"
either = "^1.0 || ^2.0"
extra-ful = {version = ">=1,<3", extras = ["fast"], python = ">=3.11", platform = "linux"}
gitdep = {git = "git@github.com:org/gitdep.git", tag = "v1"}
maybe = {version = "^1", optional = true}
split = [{version = "<2", python = "<3.11"}, {version = ">=2", python = ">=3.11"}]

[tool.poetry.extras]
speed = ["maybe"]

[tool.poetry.group.docs]
optional = true
[tool.poetry.group.docs.dependencies]
docgen = "^5"

[[tool.poetry.source]]
name = "mirror"
url = "https://mirror.example/simple"
priority = "supplemental"
"""
    lock = _lock(("caret", "1.2.3"), ("exact", "2.0"), ("rc", "3.0rc1"))
    plan = poetry_plan(pyproject, lock, None, tmp_path, install_project=False)
    assert plan.requirements == [
        "caret>=1.2.3,<2",
        "caret-zero>=0.2,<0.3",
        "tilde>=1.4,<1.5",
        "exact==2.0",
        "wild",
        "either",
        'extra-ful[fast]>=1,<3 ; python_full_version >= "3.11" and sys_platform == "linux"',
        "gitdep @ git+ssh://git@github.com/org/gitdep.git@v1",
        'split<2 ; python_full_version < "3.11"',
        'split>=2 ; python_full_version >= "3.11"',
    ]
    assert plan.constraints == ["caret==1.2.3", "exact==2.0", "rc==3.0rc1"]
    assert plan.pre and plan.index_url is None and plan.extra_index_urls == ["https://mirror.example/simple"]
    chosen = poetry_plan(pyproject, lock, "--only=docs --extras speed", tmp_path, install_project=False)
    assert chosen.requirements == ["docgen>=5,<6"]
    assert "maybe>=1,<2" in poetry_plan(pyproject, lock, "-E speed --with docs", tmp_path, False).requirements


def test_pep_621_projects_and_their_extras(tmp_path: Path) -> None:
    pyproject = """
[project]
name = "modern"
version = "1.0"
dependencies = ["requests>=2"]
[project.optional-dependencies]
cli = ["click"]
[dependency-groups]
test = ["pytest", {include-group = "lint"}]
lint = ["ruff"]
"""
    plan = poetry_plan(pyproject, _lock(), "--all-extras --no-root", tmp_path, install_project=True)
    assert plan.requirements == ["requests>=2", "click", "ruff", "pytest", "ruff"]
    assert not plan.install_root
    assert poetry_plan(pyproject, _lock(), None, tmp_path, install_project=True).install_root


@pytest.mark.parametrize(
    ("extra_args", "named"),
    [
        ("--frobnicate", "'--frobnicate'"),
        ("--with nosuchgroup", "nosuchgroup"),
        ("--extras nosuchextra", "nosuchextra"),
        ("--with", "--with needs a value"),
    ],
)
def test_options_poetry_would_refuse_are_named(tmp_path: Path, extra_args: str, named: str) -> None:
    with pytest.raises(ImageBuildError, match="extra_args of with_poetry_project") as failure:
        poetry_plan('[tool.poetry.dependencies]\npython = "^3.10"\n', _lock(), extra_args, tmp_path, False)
    assert named in failure.value.message


def test_a_broken_lock_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ImageBuildError, match=r"poetry\.lock is not valid TOML"):
        poetry_plan("[tool.poetry]\n", "[[package]\n", None, tmp_path, False)


def test_dockerfile(tmp_path: Path) -> None:
    pyproject = _project(tmp_path / "svc", '[tool.poetry]\nname = "svc"\n', _lock())
    base = flyte.Image.from_debian_base()
    assert render_dockerfile(base.with_poetry_project(pyproject, extra_args="--with dev"), tmp_path).splitlines()[
        2:
    ] == [
        "COPY --from=ghcr.io/astral-sh/uv:latest /uv /usr/local/bin/uv",
        "COPY svc/pyproject.toml /opt/poetry-project/pyproject.toml",
        "COPY svc/poetry.lock /opt/poetry-project/poetry.lock",
        "RUN uv pip install --system poetry && cd /opt/poetry-project && "
        "POETRY_VIRTUALENVS_CREATE=false poetry install --no-root --with dev",
    ]
    whole = base.with_poetry_project(pyproject, project_install_mode="install_project")
    assert render_dockerfile(whole, tmp_path).splitlines()[3:] == [
        "COPY svc /opt/poetry-project",
        "RUN uv pip install --system poetry && cd /opt/poetry-project && "
        "POETRY_VIRTUALENVS_CREATE=false poetry install",
    ]
    assert render_dockerfile(whole, tmp_path) == render_dockerfile(whole, tmp_path)
