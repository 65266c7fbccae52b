"""Image: an immutable builder chain with a content hash that is stable across processes."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import flyte.errors
from flyte._image import Image, Layer
from flyte._secret import Secret

CHAIN = """
from flyte._image import Image
image = (
    Image.from_debian_base(python_version=(3, 12))
    .with_apt_packages("git")
    .with_pip_packages("pandas", "numpy")
    .with_env_vars({"MY_VAR": "value"})
)
print(image.content_hash, image.uri)
"""


def _chain() -> Image:
    return (
        Image.from_debian_base(python_version=(3, 12))
        .with_apt_packages("git")
        .with_pip_packages("pandas", "numpy")
        .with_env_vars({"MY_VAR": "value"})
    )


def test_hash_is_stable_across_processes() -> None:
    outputs = {
        subprocess.run([sys.executable, "-c", CHAIN], capture_output=True, text=True, check=True).stdout.split()[0]
        for _ in range(2)
    }
    assert outputs == {_chain().content_hash}
    assert len(_chain().content_hash) == 32


def test_list_and_varargs_forms_are_equal() -> None:
    spec_form = Image.from_debian_base().with_apt_packages(["git"]).with_pip_packages(["pandas", "numpy"])
    sdk_form = Image.from_debian_base().with_apt_packages("git").with_pip_packages("pandas", "numpy")
    assert spec_form == sdk_form
    assert spec_form.content_hash == sdk_form.content_hash
    assert hash(spec_form) == hash(sdk_form)


@pytest.mark.parametrize(
    "other",
    [
        lambda i: i.with_pip_packages("polars"),
        lambda i: i.with_pip_packages("pandas", pre=True),
        lambda i: i.with_pip_packages("pandas", index_url="https://example.org/simple"),
        lambda i: i.with_apt_packages("curl"),
        lambda i: i.with_env_vars({"MY_VAR": "other"}),
        lambda i: i.with_workdir("/app"),
        lambda i: i.with_commands(["echo hi"]),
        lambda i: i.with_commands(["echo hi"], secret_mounts="TOKEN"),
        lambda i: i.clone(python_version=(3, 11)),
        lambda i: i.clone(base_image="python:3.12-slim"),
        lambda i: i.clone(platform=("linux/arm64",)),
        lambda i: i.with_code_bundle(),
        lambda i: i.with_code_bundle(copy_style="all"),
        lambda i: i.with_code_bundle(dst="/app"),
    ],
)
def test_hash_changes_with_the_chain(other: object) -> None:
    assert other(_chain()).content_hash != _chain().content_hash


def test_hash_follows_layer_order() -> None:
    base = Image.from_debian_base()
    assert base.with_pip_packages("a").with_pip_packages("b") != base.with_pip_packages("b").with_pip_packages("a")
    assert (
        base.with_pip_packages("a").with_pip_packages("b").content_hash
        != base.with_pip_packages("b").with_pip_packages("a").content_hash
    )


def test_each_step_returns_a_new_image() -> None:
    base = Image.from_debian_base()
    extended = base.with_pip_packages("pandas")
    assert extended is not base
    assert base._layers == ()
    assert extended._layers == (
        Layer(
            "pip",
            (
                ("packages", ("pandas",)),
                ("index_url", None),
                ("extra_index_urls", ()),
                ("pre", False),
                ("extra_args", None),
                ("secret_mounts", ()),
            ),
        ),
    )


def test_image_is_immutable() -> None:
    image = Image.from_debian_base()
    with pytest.raises(dataclasses.FrozenInstanceError):
        image.name = "other"


def test_direct_instantiation_is_refused() -> None:
    with pytest.raises(TypeError, match="from_debian_base"):
        Image()
    with pytest.raises(TypeError):
        Image(base_image="python:3.12")


def test_uri() -> None:
    base = Image.from_debian_base(python_version=(3, 12))
    assert base.uri.startswith("ghcr.io/flyteorg/flyte:py3.12-v")
    assert Image.from_debian_base(python_version=(3, 12), install_flyte=False).uri == "python:3.12-slim-bookworm"
    assert _chain().uri == f"flyte:{_chain().content_hash}"
    named = Image.from_debian_base(name="mine", registry="ghcr.io/me")
    assert named.uri == f"ghcr.io/me/mine:{named.content_hash}"
    assert Image.from_base("python:3.11").uri == "python:3.11"
    assert Image.from_debian_base().clone(name="x", registry="r").uri.startswith("r/x:")


def test_from_base_is_not_extendable_until_cloned() -> None:
    with pytest.raises(ValueError, match=r"python:3\.11"):
        Image.from_base("python:3.11").with_pip_packages("x")
    cloned = Image.from_base("python:3.11").clone(name="x", extendable=True).with_pip_packages("x")
    assert cloned.uri.startswith("x:")


@pytest.mark.parametrize(
    ("make", "error", "named"),
    [
        (lambda: Image.from_base(""), ValueError, "''"),
        (lambda: Image.from_debian_base(python_version=(2, 7)), ValueError, "(2, 7)"),
        (lambda: Image.from_debian_base(python_version=(3,)), ValueError, "(3,)"),
        (lambda: Image.from_debian_base(platform=("linux/s390x",)), ValueError, "'linux/s390x'"),
        (lambda: Image.from_debian_base().with_pip_packages(5), TypeError, "5"),
        (lambda: Image.from_debian_base().with_pip_packages(), ValueError, "pip packages"),
        (lambda: Image.from_debian_base().with_apt_packages(""), TypeError, "''"),
        (lambda: Image.from_debian_base().with_env_vars({"A": 1}), TypeError, "1"),
        (lambda: Image.from_debian_base().with_env_vars([("A", "1")]), TypeError, "list"),
        (lambda: Image.from_debian_base().with_workdir(""), ValueError, "''"),
        (lambda: Image.from_debian_base().with_requirements("deps.in"), ValueError, "'deps.in'"),
        (lambda: Image.from_debian_base().with_uv_project("setup.cfg"), ValueError, "'setup.cfg'"),
        (lambda: Image.from_dockerfile("/no/such/Dockerfile", "r", "n"), FileNotFoundError, "Dockerfile"),
        (lambda: Image.from_debian_base().with_poetry_project("setup.py"), ValueError, "'setup.py'"),
        (
            lambda: Image.from_debian_base().with_poetry_project("pyproject.toml", project_install_mode="all"),
            ValueError,
            "project_install_mode",
        ),
        (lambda: Image.from_debian_base().with_pixi_project("environment.yml"), ValueError, "'environment.yml'"),
        (lambda: Image.from_debian_base().with_pixi_project("pixi.toml", environment="GPU_1"), ValueError, "'GPU_1'"),
        (lambda: Image.from_pixi_script("job.sh", name="job"), ValueError, "'job.sh'"),
        (lambda: Image.from_pixi_script("job.py", name="job", environment=""), ValueError, "environment"),
        (lambda: Image.from_debian_base().with_code_bundle(copy_style="some"), ValueError, "copy_style"),
        (lambda: Image.from_debian_base().with_code_bundle(dst=""), ValueError, "dst"),
    ],
)
def test_validation(make: object, error: type[Exception], named: str) -> None:
    with pytest.raises(error) as info:
        make()
    assert named in str(info.value)


def test_file_contents_are_part_of_the_hash(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pandas\n")
    before = Image.from_debian_base().with_requirements(requirements).content_hash
    assert Image.from_debian_base().with_requirements(requirements).content_hash == before
    requirements.write_text("numpy\n")
    assert Image.from_debian_base().with_requirements(requirements).content_hash != before


def test_folder_contents_are_hashed_without_caches(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "a.py").write_text("A = 1\n")

    def digest() -> str:
        return Image.from_debian_base().with_source_folder(source).content_hash

    before = digest()
    (source / "pkg" / "__pycache__").mkdir()
    (source / "pkg" / "__pycache__" / "a.pyc").write_bytes(b"\x00")
    (source / ".git").mkdir()
    (source / ".git" / "HEAD").write_text("ref")
    assert digest() == before
    (source / "pkg" / "a.py").write_text("A = 2\n")
    assert digest() != before


def test_source_folder_destination() -> None:
    image = Image.from_debian_base()
    assert dict(image.with_source_folder(Path("/x/src"))._layers[0].options)["dst"] == "./src"
    assert dict(image.with_source_folder(Path("/x/src"), copy_contents_only=True)._layers[0].options)["dst"] == "."
    assert dict(image.with_source_folder(Path("/x/src"), dst="/app")._layers[0].options)["dst"] == "/app"


def test_dockerfile_and_uv_script(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:3.12\n")
    image = Image.from_dockerfile(dockerfile, registry="r", name="n")
    assert image.uri == f"r/n:{image.content_hash}"
    dockerfile.write_text("FROM python:3.13\n")
    assert Image.from_dockerfile(dockerfile, registry="r", name="n").content_hash != image.content_hash
    with pytest.raises(ValueError, match="extendable"):
        image.with_pip_packages("x")

    script = tmp_path / "job.py"
    script.write_text('# /// script\n# dependencies = ["requests"]\n# ///\n')
    uv = Image.from_uv_script(script, name="job", python_version=(3, 12))
    assert uv.base_image == "python:3.12-slim-bookworm"
    assert uv.uri.startswith("job:")
    assert uv.with_pip_packages("rich").uri != uv.uri


def test_other_layers(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project]\nname = 'x'\n")
    data = tmp_path / "data.csv"
    data.write_text("a,b\n")
    image = (
        Image.from_debian_base()
        .with_uv_project(pyproject)
        .with_source_file([data, data], dst="/data")
        .with_local_v2()
        .with_commands("echo hi", secret_mounts=[Secret("TOKEN")])
    )
    assert [layer.kind for layer in image._layers] == [
        "uv_project",
        "copy_file",
        "copy_file",
        "local_flyte",
        "commands",
    ]
    assert dict(image._layers[0].options)["uvlock"] == str(tmp_path / "uv.lock")
    image.validate()  # the missing uv.lock is optional
    with pytest.raises(FileNotFoundError, match=r"gone\.txt"):
        Image.from_debian_base().with_requirements(tmp_path / "gone.txt").validate()


def test_registry_secret_becomes_a_secret() -> None:
    image = Image.from_debian_base(registry="r", registry_secret="REGISTRY_TOKEN")
    assert image._image_registry_secret == Secret("REGISTRY_TOKEN")


def test_pickled_image_can_still_be_extended() -> None:
    image = pickle.loads(pickle.dumps(_chain()))
    assert image == _chain()
    assert image.with_pip_packages("x") == _chain().with_pip_packages("x")
    assert dataclasses.replace(image, name="other").name == "other"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_poetry_project_hash_follows_what_it_installs(tmp_path: Path) -> None:
    pyproject = _write(tmp_path / "svc" / "pyproject.toml", "[tool.poetry]\nname = 'svc'\n")
    lock = _write(tmp_path / "svc" / "poetry.lock", "# locked\n")
    _write(tmp_path / "svc" / "svc" / "main.py", "X = 1\n")
    base = Image.from_debian_base()

    def digests() -> tuple[str, str]:
        deps = base.with_poetry_project(pyproject).content_hash
        whole = base.with_poetry_project(str(pyproject), project_install_mode="install_project").content_hash
        return deps, whole

    before = digests()
    assert before[0] != before[1] and digests() == before
    _write(tmp_path / "svc" / "svc" / "main.py", "X = 2\n")
    code_changed = digests()
    assert code_changed[0] == before[0] and code_changed[1] != before[1]  # only the copied project has the code
    lock.write_text("# locked again\n")
    relocked = digests()
    assert relocked[0] != code_changed[0] and relocked[1] != code_changed[1]
    assert base.with_poetry_project(pyproject, extra_args="--with dev").content_hash != digests()[0]
    layer = base.with_poetry_project(pyproject)._layers[0]
    assert layer.kind == "poetry_project" and dict(layer.options)["poetry_lock"] == str(lock)
    assert base._layers == ()  # the image it was made from is unchanged
    lock.unlink()
    with pytest.raises(FileNotFoundError, match=r"poetry\.lock"):
        base.with_poetry_project(pyproject).validate()


def test_pixi_project_finds_its_manifest_and_lock(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    _write(project / "pyproject.toml", "[tool.pixi.workspace]\n")
    base = Image.from_debian_base()
    options = dict(base.with_pixi_project(project)._layers[0].options)
    assert (options["manifest"], options["pixi_lock"]) == (str(project / "pyproject.toml"), None)
    without_lock = base.with_pixi_project(project).content_hash

    manifest = _write(project / "pixi.toml", "[workspace]\n")
    lock = _write(project / "pixi.lock", "version: 6\n")
    options = dict(base.with_pixi_project(project)._layers[0].options)
    assert (options["manifest"], options["pixi_lock"]) == (str(manifest), str(lock))
    with_lock = base.with_pixi_project(project).content_hash
    assert with_lock != without_lock
    lock.write_text("version: 6\n# relocked\n")
    assert base.with_pixi_project(manifest).content_hash != with_lock
    assert (
        base.with_pixi_project(manifest, environment="gpu").content_hash
        != base.with_pixi_project(manifest).content_hash
    )
    with pytest.raises(FileNotFoundError, match=r"other\.lock"):
        base.with_pixi_project(manifest, pixi_lock=tmp_path / "other.lock").validate()


def test_from_pixi_script(tmp_path: Path) -> None:
    script = _write(tmp_path / "job.py", '# /// script\n# dependencies = ["flyte"]\n# ///\nprint(1)\n')
    image = Image.from_pixi_script(script, name="job", registry="ghcr.io/me", registry_secret="TOKEN")
    assert image.uri == f"ghcr.io/me/job:{image.content_hash}"
    assert image.platform == ("linux/amd64", "linux/arm64")
    assert image._image_registry_secret == Secret("TOKEN")
    assert dict(image._layers[0].options)["platforms"] == ("linux/amd64", "linux/arm64")
    assert Image.from_pixi_script(script, name="job", platform=("linux/arm64",)).platform == ("linux/arm64",)
    # Its code is not in the image; its metadata is.
    script.write_text('# /// script\n# dependencies = ["flyte"]\n# ///\nprint(2)\n')
    assert Image.from_pixi_script(script, name="job", registry="ghcr.io/me").content_hash == image.content_hash
    script.write_text('# /// script\n# dependencies = ["flyte", "rich"]\n# ///\nprint(2)\n')
    assert Image.from_pixi_script(script, name="job", registry="ghcr.io/me").content_hash != image.content_hash
    assert image.with_pip_packages("six").uri != image.uri


def test_local_v2_plugins_adds_the_plugins_to_the_local_flyte() -> None:
    base = Image.from_debian_base()
    with_plugins = base.with_local_v2_plugins(["flyteplugins-hitl", "flyteplugins-vllm"])
    assert with_plugins.uri != base.with_local_v2().uri
    assert with_plugins == base.with_local_v2().with_pip_packages("flyteplugins-hitl", "flyteplugins-vllm")
    assert base.with_local_v2_plugins("flyteplugins-hitl") == base.with_local_v2().with_pip_packages(
        "flyteplugins-hitl"
    )
    assert base.with_local_v2_plugins() == base.with_local_v2()


def test_the_rust_controller_is_refused_with_a_reason() -> None:
    with pytest.raises(flyte.errors.ImageBuildError, match="with_local_rs_controller"):
        Image.from_debian_base().with_local_rs_controller()
