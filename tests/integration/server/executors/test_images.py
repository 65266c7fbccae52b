"""Declared images become real environments: a task runs in a virtual environment built from its
environment's image (packages, variables, working folder, files, commands), built once per recipe;
a task with the default image runs in the server's own environment; a failed build fails its
actions with the build's log."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import flyte
import flyte.errors
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, flyte_cli, load_workflow

WORKFLOW = """
import asyncio
import os
from pathlib import Path

import flyte

image = (
    flyte.Image.from_debian_base()
    .with_pip_packages("tabulate")
    .with_env_vars({"IMAGE_VAR": "from-the-image"})
    .with_workdir("/app")
    .with_source_file(Path(__file__).with_name("data.txt"), "/app/")
    .with_commands(["echo built > made-by-a-command.txt"])
)
with_image = flyte.TaskEnvironment(name="images_on", image=image)
without = flyte.TaskEnvironment(name="images_off")
broken = flyte.TaskEnvironment(
    name="images_broken", image=flyte.Image.from_debian_base().with_pip_packages("no-such-package-flyte-test-xyz")
)


@with_image.task
async def inside() -> dict[str, str]:
    import tabulate

    return {
        "table": tabulate.tabulate([[1, 2]]),
        "var": os.environ.get("IMAGE_VAR", ""),
        "cwd": os.getcwd(),
        "data": Path("data.txt").read_text(),
        "made": Path("made-by-a-command.txt").read_text().strip(),
    }


@without.task
async def outside() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


@with_image.task
async def child(i: int) -> int:
    import tabulate  # noqa: F401

    return os.getpid()


@without.task
async def fan_out(n: int) -> int:
    pids = await asyncio.gather(*[child(i) for i in range(n)])
    return len(pids)


@broken.task
async def never() -> int:
    return 1


@without.task
async def variable(name: str) -> str:
    return os.environ.get(name, "")


@without.task
async def with_overridden_image() -> list[str]:
    other = flyte.Image.from_debian_base().with_env_vars({"OVERRIDE_VAR": "from-the-call's-image"})
    return [await variable.override(image=other)("OVERRIDE_VAR"), await variable("OVERRIDE_VAR")]
"""


def _workflow(folder: Path) -> object:
    (folder / "data.txt").write_text("shipped with the image")
    return load_workflow(WORKFLOW, folder)


def test_a_task_runs_in_its_image(flyte_server: ServerHandle, tmp_path: Path) -> None:
    assert importlib.util.find_spec("tabulate") is None, "the test needs a server environment without tabulate"
    connect(flyte_server)
    wf = _workflow(Path.cwd())
    seen = flyte.run(wf.inside).outputs()[0]  # type: ignore[attr-defined]
    assert seen["table"].startswith("-  -")
    assert seen["var"] == "from-the-image"
    assert seen["cwd"].endswith("/app")
    assert seen["data"] == "shipped with the image"
    assert seen["made"] == "built"
    # The default image is the server's own environment, which has no tabulate.
    assert flyte.run(wf.outside).outputs()[0] is False  # type: ignore[attr-defined]


def test_a_child_call_runs_in_the_image_it_overrides(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = _workflow(Path.cwd())
    overridden, plain = flyte.run(wf.with_overridden_image).outputs()[0]  # type: ignore[attr-defined]
    assert (overridden, plain) == ("from-the-call's-image", "")


def test_an_image_is_built_once_for_many_actions(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = _workflow(Path.cwd())
    assert flyte.run(wf.fan_out, 20).outputs()[0] == 20  # type: ignore[attr-defined]
    images = flyte_server.home / "images"
    built = [path for path in images.iterdir() if path.is_dir() and not path.name.startswith(".")]
    assert len(built) == 1
    log = (built[0] / "build.log").read_text()
    assert log.count(" venv ") == 1  # twenty children asked for it at once; it was built once
    assert log.count("# step 1/") == 1


def test_a_failed_build_fails_the_action_with_its_log(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = _workflow(Path.cwd())
    run = finished(flyte.run(wf.never), timeout=120)  # type: ignore[attr-defined]
    assert run.phase == "FAILED"
    assert run.error is not None
    assert run.error.code == "ImageBuildError"
    assert "no-such-package-flyte-test-xyz" in run.error.message
    (root,) = run.actions()
    assert root.attempts == 1  # not retried: the same recipe fails the same way


def test_flyte_build_builds_on_the_server_and_runs_reuse_it(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = _workflow(Path.cwd())
    result = flyte.build(wf.image)  # type: ignore[attr-defined]
    assert result.uri == wf.image.uri  # type: ignore[attr-defined]
    (built,) = [p for p in (flyte_server.home / "images").iterdir() if p.is_dir() and not p.name.startswith(".")]
    marker = (built / "build.log").stat().st_mtime_ns
    assert flyte.run(wf.inside).outputs()[0]["var"] == "from-the-image"  # type: ignore[attr-defined]
    assert (built / "build.log").stat().st_mtime_ns == marker  # used as built, not built again

    failed = flyte.Image.from_debian_base().with_commands(["echo the build breaks here; exit 7"])
    with pytest.raises(flyte.errors.ImageBuildError, match="the build breaks here"):
        flyte.build(failed)


def test_flyte_build_command_builds_an_environment(flyte_server: ServerHandle) -> None:
    wf = _workflow(Path.cwd())
    file = Path(wf.__file__).name  # type: ignore[attr-defined]
    result = flyte_cli(flyte_server, "build", file, "images_on")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"images_on: {wf.image.uri}"  # type: ignore[attr-defined]
    assert [p for p in (flyte_server.home / "images").iterdir() if p.is_dir() and not p.name.startswith(".")]
    dockerfile = flyte_cli(flyte_server, "build", file, "images_on", "--dockerfile")
    assert dockerfile.returncode == 0, dockerfile.stderr
    assert "RUN uv pip install --system tabulate" in dockerfile.stdout
    assert "COPY data.txt /app/" in dockerfile.stdout
    missing = flyte_cli(flyte_server, "build", file, "nope")
    assert missing.returncode == 1
    assert "no environment named 'nope'" in missing.stderr
    assert "Traceback" not in missing.stderr
