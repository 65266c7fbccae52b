"""``flyte run python-script SCRIPT [ARGS]...``: run a plain Python script as a task.

The options of ``flyte run`` itself (``--local``, ``--name``, ``--follow``, ``-e``, ``-p`` ...)
go before ``python-script`` and mean what they mean for any task; the script's resources and
files go after it. Arguments after SCRIPT that are not options of this command are handed to
the script, as are the values of ``--extra-args`` (comma-separated) and everything after ``--``::

    flyte run python-script train.py --gpu 1 --memory 8Gi -- --epochs 3
    flyte run --follow python-script train.py --include-files 'configs/*.yaml'

The command prints what ``flyte run`` prints: locally the run, its output (a
:class:`~flyte._python_script.PythonScriptOutput`) and where its records are; on a server its
name and URL, and with ``--follow`` the script's output as it comes and the result.
"""

from __future__ import annotations

from typing import Any

import click

from flyte.cli.main import current_config, current_state

__all__ = ["python_script"]


def _comma_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


@click.command(
    "python-script",
    context_settings={"ignore_unknown_options": True},
    short_help="Run a Python script as a task, locally or on a server.",
)
@click.argument("script", type=click.Path(dir_okay=False))
@click.argument("script_args", nargs=-1, type=click.UNPROCESSED, metavar="[ARGS]...")
@click.option("--cpu", type=click.IntRange(min=1), default=1, show_default=True, help="CPUs the script gets.")
@click.option("--memory", default="2Gi", show_default=True, help="Memory the script gets, e.g. 16Gi.")
@click.option("--gpu", type=click.IntRange(min=0), default=0, show_default=True, help="GPUs the script gets.")
@click.option("--gpu-type", default="T4", show_default=True, help="GPU model (T4, A100, H100, L4 ...), with --gpu.")
@click.option("--image", help="Image URI (or reference name) to run in; not with --packages.")
@click.option("--packages", help="Pip packages to install on the default image, comma-separated; not with --image.")
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=3600,
    show_default=True,
    help="Seconds before the script is stopped.",
)
@click.option("--extra-args", help="Arguments for the script, comma-separated (before those after SCRIPT).")
@click.option("--queue", help="Queue to send the run to (refused: the server has one queue).")
@click.option(
    "--plugin-config",
    "plugin_config_path",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML file of a task plugin configuration (refused: scripts run as plain tasks here).",
)
@click.option("--clustered", is_flag=True, help="Run as a multi-node torchrun job (refused: no such jobs here).")
@click.option("--replicas", type=int, help="Nodes of a --clustered job (refused).")
@click.option("--nproc-per-node", type=int, help="Processes per node of a --clustered job (refused).")
@click.option("--ttl-seconds-after-finished", type=int, help="How long a --clustered job is kept (refused).")
@click.option("--output-dir", help="Folder (relative to the script's folder) returned as the result's output_dir.")
@click.option(
    "--include-files",
    multiple=True,
    help="File or glob, relative to the script's folder, shipped with the script to a server; repeatable.",
)
def python_script(
    script: str,
    script_args: tuple[str, ...],
    cpu: int,
    memory: str,
    gpu: int,
    gpu_type: str,
    image: str | None,
    packages: str | None,
    timeout: int,
    extra_args: str | None,
    queue: str | None,
    plugin_config_path: str | None,
    clustered: bool,
    replicas: int | None,
    nproc_per_node: int | None,
    ttl_seconds_after_finished: int | None,
    output_dir: str | None,
    include_files: tuple[str, ...],
) -> None:
    """Run the Python script SCRIPT as a task, with ARGS as its arguments.

    \b
        flyte run python-script train.py --epochs 3
        flyte run --local python-script train.py --cpu 2 -- --timeout 5
        flyte run --follow python-script train.py --packages numpy,pandas
        flyte run python-script train.py --include-files 'data/*.csv' --output-dir out

    The script runs from its own folder; on a server, the files --include-files names travel
    with it, laid out as they are around it. Arguments after SCRIPT that are not options of
    this command go to the script; put the script's own options after `--` when they share a
    name with one of these.
    """
    from flyte.cli._run import current_settings

    if image and packages:
        raise click.UsageError("--image and --packages cannot be used together")
    refused: dict[str, Any] = {
        "queue": queue,
        "plugin_config": plugin_config_path,
        "clustered": clustered or None,
        "replicas": replicas,
        "nproc_per_node": nproc_per_node,
        "ttl_seconds_after_finished": ttl_seconds_after_finished,
    }
    settings = current_settings()
    config = current_config()
    remote = config.is_remote and not settings.local
    import flyte
    from flyte._init_options import refuse_unsupported
    from flyte._python_script import SCRIPT_REFUSED, start_script_run

    refuse_unsupported("flyte run python-script", {k: v for k, v in refused.items() if v is not None}, SCRIPT_REFUSED)
    flyte.init_from_config(config, root_dir=settings.root_dir, **settings.init_options())
    image_arg: flyte.Image | list[str] | None = None
    if image:
        image_arg = flyte.Image.from_base(image) if "/" in image or ":" in image else flyte.Image.from_ref_name(image)
    elif packages:
        image_arg = _comma_list(packages)
    options = settings.runcontext_options()
    if not remote:
        from flyte._internal.model.naming import new_run_name

        options["name"] = settings.name or new_run_name()
    runner = flyte.with_runcontext(mode="remote" if remote else "local", **options)
    start: dict[str, Any] = {
        "remote": remote,
        "cpu": cpu,
        "memory": memory,
        "gpu": gpu,
        "gpu_type": gpu_type,
        "image": image_arg,
        "timeout": timeout,
        "extra_args": _comma_list(extra_args) + list(script_args),
        "name": settings.name,
        "output_dir": output_dir,
        "include_files": list(include_files),
    }
    if remote:
        from flyte.cli._run import report_remote_run

        report_remote_run(start_script_run(script, runner, **start), settings, config)
        return
    _run_locally(script, runner, options["name"], start)


def _run_locally(script: str, runner: Any, run_name: str, start: dict[str, Any]) -> None:
    from flyte._python_script import start_script_run
    from flyte.cli._progress import progress_line
    from flyte.cli._run import RunFailed, show_outputs
    from flyte.errors import BaseRuntimeError

    try:
        with progress_line(run_name, enabled=not current_state().no_progress):
            handle = start_script_run(script, runner, **start)
        outputs = handle.outputs()
    except BaseRuntimeError as e:
        if e.code in ("Conflict", "ConfigError", "CodeBundleError"):
            raise  # the run never started: there is no failure of its own to point at
        raise RunFailed(run_name, e) from e
    click.echo(f"Run:     {handle.name} ({handle.phase})")
    show_outputs(outputs.named_outputs)
    click.echo(f"Records: {handle.url}")
