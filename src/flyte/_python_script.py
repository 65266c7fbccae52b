"""``flyte.run_python_script``: run a plain Python script, one with no tasks of its own, as a task.

The script runs in a subprocess (``python -u SCRIPT ARGS...``) inside a task of a run, started
in the script's folder; its output is echoed line by line, so that it shows up in the task's
logs, and the task returns a :class:`PythonScriptOutput` (exit code, the last lines of output and,
with ``output_dir``, that folder uploaded). A script that exits with another code than 0 fails
the task.

- Without an endpoint (or with ``mode="local"`` set by the CLI's ``--local``) the run is local:
  the script runs from where it is.
- On a server, the script and the files ``include_files`` names go in the run's code bundle,
  laid out as they are around the script, together with a small generated module that defines
  the task; the worker runs the script from the bundle's folder.

Options of the real SDK that concern Kubernetes (clustered jobs, queues, debugging, plugin
configurations) cannot apply here: given a non-default value they raise
:class:`~flyte.errors.ConfigError`.
"""

from __future__ import annotations

import collections
import glob
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flyte  # partial while flyte itself is importing; only used once it has loaded
from flyte._syncify import syncify
from flyte.errors import CodeBundleError, ConfigError, RuntimeUserError

if TYPE_CHECKING:
    from flyte._image import Image
    from flyte._run import Run, _Runner
    from flyte._task import AsyncFunctionTaskTemplate

__all__ = [
    "RUNNER_MODULE",
    "SCRIPT_REFUSED",
    "PythonScriptOutput",
    "run_python_script",
    "script_task",
    "start_script_run",
]

RUNNER_MODULE = "_flyte_python_script_runner.py"
"""The generated module of a server run's bundle that defines the task running the script."""

TAIL_LINES = 80
"""Lines of the script's output kept in :attr:`PythonScriptOutput.stdout`."""

_LINE_LIMIT = 16 * 1024 * 1024
"""Bytes a single line of the script's output may take (asyncio's default is 64 KiB)."""

#: The real SDK's options that cannot apply here, with their defaults and why.

SCRIPT_REFUSED: dict[str, tuple[Any, str]] = {
    "queue": (None, "the server schedules every action from one queue"),
    "debug": (False, "runs cannot be paused for a debugger"),
    "plugin_config": (None, "scripts run as plain tasks; there are no task plugins for them here"),
    "clustered": (False, "there are no multi-node (JobSet, torchrun) jobs here"),
    "replicas": (None, "there are no multi-node (JobSet, torchrun) jobs here"),
    "nproc_per_node": (None, "there are no multi-node (JobSet, torchrun) jobs here"),
    "runtime": (None, "there are no multi-node (JobSet, torchrun) jobs here"),
    "failure_policy": (None, "there are no multi-node (JobSet, torchrun) jobs here"),
    "ttl_seconds_after_finished": (None, "there are no multi-node (JobSet, torchrun) jobs here"),
}


@dataclass
class PythonScriptOutput:
    """What a script run returns: its exit code, the last lines it printed (stdout and stderr
    together) and the folder named by ``output_dir`` (an empty Dir when none was asked for)."""

    exit_code: int
    stdout: str
    output_dir: flyte.io.Dir


def _env_name(script: Path) -> str:
    stem = "".join(c if c.isalnum() or c == "_" else "_" for c in script.stem.lower()).strip("_")
    return f"python_script_{stem or 'script'}"


async def _execute(script: Path, args: list[str], timeout: float, output_dir: str | None) -> PythonScriptOutput:
    """Runs ``script`` with ``args`` in a subprocess started in its folder, echoing its output."""
    import asyncio

    from flyte.io import Dir, EmptyDir

    tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-u",
        str(script),
        *args,
        cwd=str(script.parent),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        limit=_LINE_LIMIT,
    )
    assert process.stdout is not None  # asked for with PIPE

    async def echo() -> int:
        assert process.stdout is not None
        while raw := await process.stdout.readline():
            line = raw.decode(errors="replace")
            sys.stdout.write(line)
            sys.stdout.flush()
            tail.append(line)
        return await process.wait()

    try:
        code = await asyncio.wait_for(echo(), timeout)
    except asyncio.TimeoutError:
        raise RuntimeUserError(
            "ScriptTimeout", f"script {script.name} did not finish within {timeout:g}s: it was stopped"
        ) from None
    finally:
        if process.returncode is None:  # timed out or cancelled: the script must not outlive the task
            process.kill()
            await process.wait()
    output = "".join(tail)
    if code != 0:
        last = output.rstrip()[-2000:]
        raise RuntimeError(
            f"script {script.name} exited with code {code}" + (f"; its last output:\n{last}" if last else "")
        )
    folder: Dir = EmptyDir() if output_dir is None else await Dir.from_local.aio(str(script.parent / output_dir))
    return PythonScriptOutput(exit_code=code, stdout=output, output_dir=folder)


def script_task(
    script: Path,
    *,
    env_name: str,
    short_name: str,
    timeout: int,
    output_dir: str | None = None,
    image: Image | str | None = None,
    resources: flyte.Resources | None = None,
) -> AsyncFunctionTaskTemplate[Any, Any, Any]:
    """The task ``{env_name}.execute_script`` that runs ``script`` with its ``args`` input.

    The client and the generated module of a server run's bundle build it alike, so that the
    worker finds the task the run names."""
    env = flyte.TaskEnvironment(name=env_name, image=image if image is not None else "auto", resources=resources)

    async def execute_script(args: list[str]) -> PythonScriptOutput:
        """Runs the script with ``args`` and returns its exit code, output tail and output folder."""
        return await _execute(script, args, float(timeout), output_dir)

    decorate = env.task(timeout=timedelta(seconds=timeout), short_name=short_name)
    task: AsyncFunctionTaskTemplate[Any, Any, Any] = decorate(execute_script)
    return task


def _runner_source(script: str, env_name: str, short_name: str, timeout: int, output_dir: str | None) -> str:
    return (
        f'"""Runs {script} as a flyte task: generated by flyte.run_python_script."""\n\n'
        "from pathlib import Path\n\n"
        "from flyte._python_script import script_task\n\n"
        "execute_script = script_task(\n"
        f"    Path(__file__).parent / {script!r},\n"
        f"    env_name={env_name!r},\n"
        f"    short_name={short_name!r},\n"
        f"    timeout={timeout!r},\n"
        f"    output_dir={output_dir!r},\n"
        ")\n"
    )


def _included(folder: Path, patterns: list[str]) -> list[Path]:
    """The files ``patterns`` name (globs; relative ones anchored at ``folder``), each inside it.

    Raises:
        CodeBundleError: a pattern matches nothing, or a file outside ``folder``.
    """
    found: dict[Path, None] = {}
    for pattern in patterns:
        anchored = pattern if os.path.isabs(pattern) else str(folder / pattern)
        matches = [Path(m) for m in sorted(glob.glob(anchored, recursive=True))]
        if not matches:
            raise CodeBundleError(f"include_files: {pattern!r} matches no file under {folder}")
        for match in matches:
            files = sorted(p for p in match.rglob("*") if p.is_file()) if match.is_dir() else [match]
            for file in files:
                if not file.resolve().is_relative_to(folder):
                    raise CodeBundleError(
                        f"include_files: {file} is not inside the script's folder {folder}; files go with the "
                        "script laid out as they are around it"
                    )
                found[file.resolve()] = None
    return list(found)


def _image(image: Image | list[str] | None) -> Image | None:
    from flyte._image import Image

    if image is None or isinstance(image, Image):
        return image
    if isinstance(image, list) and all(isinstance(p, str) for p in image):
        return Image.from_debian_base(name="python-script-runner").with_pip_packages(*image)
    raise TypeError(f"image must be a flyte.Image, a list of pip packages or None, got {image!r}")


def _resources(cpu: int, memory: str, gpu: int, gpu_type: str) -> flyte.Resources:
    if gpu > 0:
        return flyte.Resources(cpu=cpu, memory=memory, gpu=f"{gpu_type}:{gpu}")
    return flyte.Resources(cpu=cpu, memory=memory)


def _submit(
    task: AsyncFunctionTaskTemplate[Any, Any, Any],
    stage: Path,
    args: list[str],
    runner: _Runner,
) -> Run:
    """Creates the server run of ``task``, whose bundle is everything in ``stage``."""
    from flyte._custom_context import get_custom_context
    from flyte._initialize import get_init_state
    from flyte._internal.remote_run import submit_remote_run, task_spec

    state = get_init_state()
    settings = runner.settings
    settings.check_remote()
    if settings.copy_style != "loaded_modules":
        raise ConfigError(
            f"copy_style={settings.copy_style!r} does not apply to a script run: its bundle is the script and its "
            "include_files"
        )
    if state.endpoint is None:
        raise ConfigError("a server run of a script needs an endpoint: call flyte.init(endpoint=...)")
    image = task_spec(task, stage).image
    handle: Run = submit_remote_run(
        task,
        (),
        {"args": args},
        name=settings.name,
        project=settings.project or state.project,
        domain=settings.domain or state.domain,
        env_vars=settings.env_vars,
        overwrite_cache=settings.overwrite_cache,
        disable_run_cache=settings.disable_run_cache,
        root=stage,
        endpoint=state.endpoint,
        custom_context={**get_custom_context(), **settings.custom_context},
        max_action_concurrency=settings.max_action_concurrency,
        copy_style="all",
        module=RUNNER_MODULE,
        images={task.parent_env_name: image} if image is not None and task.parent_env_name else {},
    )
    return handle


def start_script_run(
    script: str | Path,
    runner: _Runner,
    *,
    remote: bool,
    cpu: int = 4,
    memory: str = "16Gi",
    gpu: int = 0,
    gpu_type: str = "T4",
    image: Image | list[str] | None = None,
    timeout: int = 3600,
    extra_args: list[str] | None = None,
    name: str | None = None,
    output_dir: str | None = None,
    include_files: list[str] | None = None,
) -> Run:
    """Starts a run of ``script`` with the settings of ``runner`` (``flyte.with_runcontext``):
    in this process, or with ``remote`` on the configured server. What
    :func:`run_python_script` and ``flyte run python-script`` share.

    Raises:
        FileNotFoundError: there is no such script.
        ConfigError: the script is not a ``.py`` file, or a run setting cannot apply.
        CodeBundleError: an ``include_files`` entry matches nothing or lies outside the script's folder.
    """
    path = Path(script).expanduser().resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no such script: {script}")
    if path.suffix != ".py":
        raise ConfigError(f"run_python_script: the script must be a .py file, got {script}")
    if timeout <= 0:
        raise ConfigError(f"run_python_script: timeout must be a positive number of seconds, got {timeout}")
    args = [str(a) for a in extra_args or []]
    included = _included(path.parent, include_files or [])
    env_name = _env_name(path)
    short_name = name or path.stem
    built_image = _image(image)
    resources = _resources(cpu, memory, gpu, gpu_type)

    def task_of(file: Path) -> AsyncFunctionTaskTemplate[Any, Any, Any]:
        return script_task(
            file,
            env_name=env_name,
            short_name=short_name,
            timeout=timeout,
            output_dir=output_dir,
            image=built_image,
            resources=resources,
        )

    if not remote:
        handle: Run = runner.run(task_of(path), args=args)
        return handle
    with tempfile.TemporaryDirectory(prefix="flyte-script-") as tmp:
        stage = Path(tmp).resolve()
        for file in [path, *included]:
            target = stage / file.relative_to(path.parent)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
        if (stage / RUNNER_MODULE).exists():
            raise CodeBundleError(f"include_files: {RUNNER_MODULE} is a name flyte keeps for its own module")
        (stage / RUNNER_MODULE).write_text(_runner_source(path.name, env_name, short_name, timeout, output_dir))
        return _submit(task_of(stage / path.name), stage, args, runner)


@syncify
async def run_python_script(
    script: str | Path,
    *,
    cpu: int = 4,
    memory: str = "16Gi",
    gpu: int = 0,
    gpu_type: str = "T4",
    image: Image | list[str] | None = None,
    timeout: int = 3600,
    extra_args: list[str] | None = None,
    queue: str | None = None,
    wait: bool = False,
    name: str | None = None,
    debug: bool = False,
    output_dir: str | None = None,
    include_files: list[str] | None = None,
    plugin_config: Any = None,
    clustered: bool = False,
    replicas: int | None = None,
    nproc_per_node: int | None = None,
    runtime: Any = None,
    failure_policy: Any = None,
    ttl_seconds_after_finished: int | None = None,
) -> Run:
    """Runs the Python script ``script`` (with ``extra_args``) as a task of a new run.

    - ``cpu``, ``memory``, ``gpu`` and ``gpu_type`` (used when ``gpu > 0``) are the task's
      resources; ``timeout`` (seconds) stops the script and fails the task when exceeded.
    - ``image``: a :class:`flyte.Image`, a list of pip packages to install on the default base
      image, or ``None`` for the worker's own environment.
    - ``name``: the run's name (and the task's short name); random by default.
    - ``output_dir``: a folder (relative to the script's folder) uploaded as the result's
      ``output_dir`` once the script succeeds.
    - ``include_files``: paths or globs, relative to the script's folder, of the files a server
      run ships with the script (a local run reads them where they are).
    - ``wait``: block until a server run ends (a local run has always ended on return).

    Without an endpoint the run is local; with one it goes to the server. The task returns a
    :class:`PythonScriptOutput`; a script exiting with a code other than 0 fails the run.

    Returns:
        The run: ``run.outputs()[0]`` is the :class:`PythonScriptOutput`.

    Raises:
        ConfigError: ``queue``, ``debug``, ``plugin_config``, ``clustered``, ``replicas``,
            ``nproc_per_node``, ``runtime``, ``failure_policy`` or ``ttl_seconds_after_finished``
            given (they cannot apply here), or the script is not a ``.py`` file.
        FileNotFoundError: there is no such script.
        CodeBundleError: an ``include_files`` entry matches nothing or lies outside the script's folder.
    """
    import asyncio

    from flyte._init_options import refuse_unsupported
    from flyte._initialize import get_init_state

    refuse_unsupported("flyte.run_python_script", locals(), SCRIPT_REFUSED)
    remote = not get_init_state().is_local
    runner = flyte.with_runcontext(mode="remote" if remote else "local", name=name)

    def start() -> Run:
        return start_script_run(
            script,
            runner,
            remote=remote,
            cpu=cpu,
            memory=memory,
            gpu=gpu,
            gpu_type=gpu_type,
            image=image,
            timeout=timeout,
            extra_args=extra_args,
            name=name,
            output_dir=output_dir,
            include_files=include_files,
        )

    # A local run drives its own event loop and a server run blocks on HTTP: either runs on a
    # thread so that the caller's loop stays free.
    handle = await asyncio.to_thread(start)
    if wait:
        await asyncio.to_thread(handle.wait)
    return handle
