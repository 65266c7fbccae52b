"""``flyte.run_python_script`` and ``flyte run python-script``: a plain script run as a task,
locally in a subprocess, or on a server with the script and its include files in the bundle."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import flyte
from flyte._internal.bundle import extract_bundle
from flyte._internal.module_loader import load_file
from flyte._python_script import RUNNER_MODULE, PythonScriptOutput
from flyte.errors import BaseRuntimeError, CodeBundleError, ConfigError, RuntimeUserError
from tests.unit.cli.run_helpers import flyte as flyte_cli
from tests.unit.cli.run_helpers import forget_modules, write
from tests.unit.remote.fake_server import ENDPOINT, FakeServer, install

SCRIPT = """
    import os
    import sys
    from pathlib import Path

    print("args", sys.argv[1:])
    print("data", Path("data/input.txt").read_text())
    Path("out").mkdir(exist_ok=True)
    Path("out/result.txt").write_text("result")
    if "--fail" in sys.argv:
        print("about to fail", file=sys.stderr)
        sys.exit(5)
"""


@pytest.fixture
def script() -> Iterator[Path]:
    before_path, before_modules = list(sys.path), set(sys.modules)
    write(Path("proj/data/input.txt"), "payload")
    write(Path("proj/data/other.csv"), "a,b")
    yield write(Path("proj/job.py"), SCRIPT)
    forget_modules(before_path, before_modules)


def test_a_local_run_runs_the_script_in_its_folder(script: Path) -> None:
    flyte.init()
    run = flyte.run_python_script(script, extra_args=["--epochs", "3"], output_dir="out", name="job-run")
    assert (run.name, run.phase) == ("job-run", "SUCCEEDED")
    result = run.outputs()[0]
    assert isinstance(result, PythonScriptOutput)
    assert result.exit_code == 0
    assert result.stdout == "args ['--epochs', '3']\ndata payload\n"
    assert (Path(os.fspath(result.output_dir)) / "result.txt").read_text() == "result"


def test_without_output_dir_the_result_has_an_empty_dir(script: Path) -> None:
    flyte.init()
    result = flyte.run_python_script(str(script)).outputs()[0]
    assert result.output_dir.is_empty


def test_a_failing_script_fails_the_run_with_its_exit_code_and_output(script: Path) -> None:
    flyte.init()
    with pytest.raises(RuntimeUserError) as failed:
        flyte.run_python_script(script, extra_args=["--fail"])
    assert failed.value.code == "RuntimeError"
    assert "exited with code 5" in failed.value.message
    assert "about to fail" in failed.value.message


def test_a_script_over_its_timeout_is_stopped(script: Path) -> None:
    pid_file = Path("pid").resolve()
    write(script, f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n")
    flyte.init()
    started = time.monotonic()
    with pytest.raises(BaseRuntimeError) as failed:
        flyte.run_python_script(script, timeout=1)
    assert time.monotonic() - started < 30
    assert "timeout of 1s" in failed.value.message
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the script outlived its task"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child not yet reaped by anyone is a zombie: gone for our purposes.
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("queue", "gpu"),
        ("debug", True),
        ("plugin_config", object()),
        ("clustered", True),
        ("replicas", 2),
        ("nproc_per_node", 8),
        ("runtime", object()),
        ("failure_policy", object()),
        ("ttl_seconds_after_finished", 60),
    ],
)
def test_options_that_cannot_apply_are_refused(script: Path, option: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"flyte.run_python_script: {option}=.* is not supported"):
        flyte.run_python_script(script, **{option: value})  # type: ignore[arg-type]


def test_bad_scripts_and_include_files_are_refused(script: Path) -> None:
    flyte.init()
    with pytest.raises(FileNotFoundError):
        flyte.run_python_script(Path("proj/missing.py"))
    write(Path("proj/notes.txt"), "x")
    with pytest.raises(ConfigError, match=r"must be a \.py file"):
        flyte.run_python_script(Path("proj/notes.txt"))
    with pytest.raises(CodeBundleError, match="matches no file"):
        flyte.run_python_script(script, include_files=["nothing/*.json"])
    write(Path("elsewhere.txt"), "x")
    with pytest.raises(CodeBundleError, match="not inside the script's folder"):
        flyte.run_python_script(script, include_files=[str(Path("elsewhere.txt").resolve())])


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    fake = FakeServer()
    install(monkeypatch, fake)
    return fake


def test_a_server_run_ships_the_script_include_files_and_a_runner(
    script: Path, server: FakeServer, tmp_path: Path
) -> None:
    flyte.init(endpoint=ENDPOINT)
    run = flyte.run_python_script(
        script, include_files=["data/*.txt"], cpu=2, memory="1Gi", gpu=1, gpu_type="A100", timeout=600, name="srv"
    )
    assert run.name == "srv"
    [request] = server.created
    assert request.task.module == RUNNER_MODULE
    assert request.task.name == "python_script_job.execute_script"
    assert (request.task.cpu, request.task.gpu, request.task.accelerator) == (2.0, 1, "A100")
    assert request.task.timeout_seconds == 600
    assert request.bundle is not None
    folder = tmp_path / "bundle"
    files = extract_bundle(server.bundles[request.bundle], folder)
    assert sorted(files) == sorted([RUNNER_MODULE, "job.py", "data/input.txt"])  # other.csv was not asked for
    # The worker finds the task the run names in the generated module, running the bundled script.
    module = load_file(folder / RUNNER_MODULE)
    task = module.execute_script
    assert task.name == request.task.name
    assert task.short_name == "srv"


def test_packages_become_the_image_of_a_server_run(script: Path, server: FakeServer) -> None:
    flyte.init(endpoint=ENDPOINT)
    flyte.run_python_script(script, image=["six"], include_files=["data"])
    [request] = server.created
    assert request.task.image is not None
    assert "six" in request.task.image.model_dump_json()
    assert request.task.environment in request.images


def test_the_cli_runs_a_script_locally(script: Path) -> None:
    result = flyte_cli(
        "--no-progress", "run", "--name", "cli-job", "python-script", "proj/job.py", "--cpu", "2", "x", "--", "--cpu"
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == ["args ['x', '--cpu']", "data payload"]
    assert "Run:     cli-job (SUCCEEDED)" in lines
    assert any(line.startswith("  o0 = PythonScriptOutput(exit_code=0,") for line in lines)


def test_the_cli_extra_args_and_output_dir(script: Path) -> None:
    result = flyte_cli(
        "--no-progress", "run", "python-script", "proj/job.py", "--extra-args", "a,b", "--output-dir", "out"
    )
    assert result.exit_code == 0, result.output
    assert "args ['a', 'b']" in result.stdout
    assert "name='out'" in result.stdout


def test_the_cli_reports_a_failing_script(script: Path) -> None:
    result = flyte_cli("--no-progress", "run", "--name", "bad", "python-script", "proj/job.py", "--", "--fail")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(
        "Error: run bad failed: RuntimeError: script job.py exited with code 5"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--queue", "q"], "queue='q' is not supported"),
        (["--clustered"], "clustered=True is not supported"),
        (["--replicas", "2"], "replicas=2 is not supported"),
        (["--nproc-per-node", "2"], "nproc_per_node=2 is not supported"),
        (["--ttl-seconds-after-finished", "5"], "ttl_seconds_after_finished=5 is not supported"),
        (["--include-files", "nope.txt"], "'nope.txt' matches no file"),
    ],
)
def test_the_cli_refuses_what_cannot_apply(script: Path, args: list[str], message: str) -> None:
    result = flyte_cli("run", "python-script", "proj/job.py", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1
    assert message in result.stderr


def test_run_options_apply_to_scripts(script: Path) -> None:
    result = flyte_cli("run", "--service-account", "sa", "python-script", "proj/job.py")
    assert result.exit_code == 1
    assert "service_account='sa' is not supported" in result.stderr
    result = flyte_cli("--no-progress", "run", "-e", "GREETING=hey", "python-script", "proj/job.py")
    assert result.exit_code == 0, result.output


def test_image_and_packages_exclude_each_other(script: Path) -> None:
    result = flyte_cli("run", "python-script", "proj/job.py", "--image", "a/b:1", "--packages", "six")
    assert result.exit_code == 2
    assert "--image and --packages cannot be used together" in result.stderr


def test_the_cli_sends_a_script_to_the_server(
    script: Path, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYTE_ADMIN_ENDPOINT", ENDPOINT)
    result = flyte_cli(
        "run",
        "--name",
        "srv-cli",
        "-e",
        "K=V",
        "python-script",
        "proj/job.py",
        "--include-files",
        "data",
        "--memory",
        "3Gi",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["Run:     srv-cli (QUEUED)", f"URL:     {ENDPOINT}/runs/srv-cli"]
    [request] = server.created
    assert request.env_vars == {"K": "V"}
    assert request.task.memory_bytes == 3 * 1024**3
    result = flyte_cli("run", "--copy-style", "all", "python-script", "proj/job.py")
    assert result.exit_code == 1
    assert "copy_style='all' does not apply to a script run" in result.stderr
    result = flyte_cli("run", "--label", "a=b", "python-script", "proj/job.py")
    assert result.exit_code == 1
    assert "labels applies to local runs only" in result.stderr
    assert len(server.created) == 1
