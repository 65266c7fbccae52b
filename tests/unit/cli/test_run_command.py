"""``flyte run``: loading the file, finding the task, run settings, printing the outcome, help."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import flyte as flyte_api
from flyte.errors import RuntimeSystemError, RuntimeUserError
from tests.unit.cli.run_helpers import FakeRunAPI, flyte, forget_modules, write

HELLO = '''
    import flyte

    env = flyte.TaskEnvironment(name="hello")


    @env.task
    async def main(name: str = "world", times: int = 1) -> str:
        """Greets someone.

        The rest of the docstring is only in the task's own help.
        """
        return f"Hello, {name}!" * times


    @env.task
    def undocumented(flag: bool = False) -> None:
        pass
'''


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRunAPI]:
    """The run API replaced by a recorder; ``hello.py`` written to the working folder."""
    before_path, before_modules = list(sys.path), set(sys.modules)
    write(Path("hello.py"), HELLO)
    fake = FakeRunAPI(values=("Hello, Ada!",))
    monkeypatch.setattr(flyte_api, "with_runcontext", fake.with_runcontext)
    yield fake
    forget_modules(before_path, before_modules)


def _one_line_error(*args: str) -> str:
    result = flyte("run", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stdout == ""
    return result.stderr.strip()


def test_success_prints_run_name_outputs_and_records(api: FakeRunAPI) -> None:
    result = flyte("run", "hello.py", "main", "--name", "Ada")
    assert result.exit_code == 0, result.output
    run_name = api.settings["name"]
    assert result.stdout.splitlines() == [
        f"Run:     {run_name} (SUCCEEDED)",
        "Outputs:",
        "  o0 = 'Hello, Ada!'",
        "Records: memory://records",
    ]
    assert api.inputs == {"name": "Ada", "times": 1}
    assert api.task.short_name == "main"


def test_several_and_multi_line_outputs_are_readable(api: FakeRunAPI) -> None:
    api.values = (1, {f"key{i}": list(range(12)) for i in range(3)})
    result = flyte("run", "hello.py", "main")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[2] == "  o0 = 1"
    assert lines[3].startswith("  o1 = {'key0': [0, 1, 2,")
    assert lines[4].startswith("        'key1': [0, 1,")  # continuation lines line up under the value


def test_task_found_by_full_name(api: FakeRunAPI) -> None:
    assert flyte("run", "hello.py", "hello.main").exit_code == 0
    assert api.task.name == "hello.main"


def test_run_options_reach_the_run_context(api: FakeRunAPI) -> None:
    args = ["--local", "--name", "my-run", "-e", "A=1", "--env", "B=x=y", "--overwrite-cache"]
    result = flyte("run", *args, "--disable-run-cache", "hello.py", "main")
    assert result.exit_code == 0, result.output
    assert api.settings == {
        "mode": "local",
        "name": "my-run",
        "env_vars": {"A": "1", "B": "x=y"},
        "overwrite_cache": True,
        "disable_run_cache": True,
    }


def test_defaults_of_run_options(api: FakeRunAPI) -> None:
    assert flyte("run", "hello.py", "main").exit_code == 0
    assert api.settings["mode"] == "local"
    assert api.settings["env_vars"] == {}
    assert not api.settings["overwrite_cache"] and not api.settings["disable_run_cache"]
    assert api.settings["name"]  # named by the command, so that a failure can name the run


def test_bad_env_option_is_a_one_line_error(api: FakeRunAPI) -> None:
    assert _one_line_error("-e", "NOVALUE", "hello.py", "main") == (
        "Error: Invalid value for '-e' / '--env': 'NOVALUE' is not KEY=VALUE"
    )


def test_runs_go_to_the_endpoint_unless_local(api: FakeRunAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYTE_ADMIN_ENDPOINT", "http://flyte.example:8080")
    result = flyte("run", "hello.py", "main")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "URL:     memory://records"
    assert api.settings["mode"] == "remote"
    assert flyte("run", "--local", "hello.py", "main").exit_code == 0
    assert api.settings["mode"] == "local"


def test_failing_task_prints_code_message_and_hint(api: FakeRunAPI) -> None:
    api.error = RuntimeUserError("ValueError", "boom\nsecond line")
    result = flyte("run", "--name", "r1", "hello.py", "main")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Error: run r1 failed: ValueError: boom second line",
        "Hint: the error comes from the task's code; its full traceback is kept with run r1 in the local run records.",
    ]


def test_system_error_hint_says_it_is_flyte(api: FakeRunAPI) -> None:
    api.error = RuntimeSystemError("StoreError", "disk full")
    result = flyte("run", "--name", "r2", "hello.py", "main")
    assert result.exit_code == 1
    first, hint = result.stderr.splitlines()
    assert first == "Error: run r2 failed: StoreError: disk full"
    assert hint.startswith("Hint: this is an error of flyte, not of the task's code")


def test_unknown_task_lists_the_available_ones(api: FakeRunAPI) -> None:
    assert _one_line_error("hello.py", "nope") == (
        "Error: no task named 'nope' in hello.py; available tasks: main, undocumented"
    )


def test_file_without_tasks(api: FakeRunAPI) -> None:
    write(Path("empty.py"), "x = 1\n")
    assert _one_line_error("empty.py", "main") == (
        "Error: no task named 'main' in empty.py; available tasks: none (no functions decorated with @env.task)"
    )


def test_missing_file(api: FakeRunAPI) -> None:
    assert _one_line_error("nowhere.py", "main") == "Error: cannot load nowhere.py: no such file"


def test_not_a_python_file(api: FakeRunAPI) -> None:
    write(Path("notes.txt"), "hi\n")
    assert _one_line_error("notes.txt", "main").startswith("Error: cannot load notes.txt: not a Python file")


@pytest.mark.parametrize(
    ("source", "cause"),
    [
        ("raise RuntimeError('no config here')\n", "RuntimeError: no config here"),
        ("import no_such_module_for_flyte_tests\n", "ModuleNotFoundError: No module named"),
        ("def broken(:\n", "SyntaxError at line 1: "),
        ("import sys\nsys.exit(3)\n", "SystemExit: 3"),
    ],
)
def test_file_failing_to_import_names_file_and_cause(api: FakeRunAPI, source: str, cause: str) -> None:
    write(Path("bad.py"), source)
    assert _one_line_error("bad.py", "main").startswith(f"Error: cannot load bad.py: {cause}")


def test_sibling_modules_can_be_imported(api: FakeRunAPI) -> None:
    write(Path("proj/helpers.py"), "GREETING = 'hi'\n")
    write(
        Path("proj/wf.py"),
        """
        import flyte
        from helpers import GREETING

        env = flyte.TaskEnvironment(name="siblings")

        @env.task
        def main() -> str:
            return GREETING
        """,
    )
    result = flyte("run", "proj/wf.py", "main")
    assert result.exit_code == 0, result.output
    assert api.task.func() == "hi"


def test_relative_imports_inside_a_package(api: FakeRunAPI) -> None:
    write(Path("pkg/__init__.py"), "")
    write(Path("pkg/flows/__init__.py"), "")
    write(Path("pkg/flows/common.py"), "GREETING = 'hey'\n")
    write(
        Path("pkg/flows/wf.py"),
        """
        import flyte
        from .common import GREETING

        env = flyte.TaskEnvironment(name="relative")

        @env.task
        def main() -> str:
            return GREETING
        """,
    )
    result = flyte("run", "pkg/flows/wf.py", "main")
    assert result.exit_code == 0, result.output
    assert api.task.func() == "hey"
    assert api.task.func.__module__ == "pkg.flows.wf"


def test_file_named_like_an_imported_module_is_refused(api: FakeRunAPI) -> None:
    write(Path("json.py"), HELLO)
    message = _one_line_error("json.py", "main")
    assert message.startswith("Error: cannot load json.py: its module name 'json' is already taken (")
    assert message.endswith("); rename the file")
    import json

    assert json.dumps([1]) == "[1]"


def test_ambiguous_short_names_need_the_full_name(api: FakeRunAPI) -> None:
    write(
        Path("two.py"),
        """
        import flyte

        first = flyte.TaskEnvironment(name="first")
        second = flyte.TaskEnvironment(name="second")

        @first.task
        def main() -> int:
            return 1

        main_one = main

        def _make():
            @second.task
            def main() -> int:
                return 2
            return main

        main_two = _make()
        """,
    )
    assert "available tasks: first.main, second.main" in _one_line_error("two.py", "main")
    assert flyte("run", "two.py", "second.main").exit_code == 0
    assert api.task.func() == 2


def test_file_help_lists_tasks_with_their_one_line_docstrings(api: FakeRunAPI) -> None:
    result = flyte("run", "hello.py", "--help")
    assert result.exit_code == 0, result.output
    assert "Usage: flyte run hello.py [OPTIONS] TASK [INPUTS]..." in result.stdout
    tasks = result.stdout.split("Tasks:")[1].splitlines()
    assert [line.split() for line in tasks if line.strip()] == [
        ["main", "Greets", "someone."],
        ["undocumented"],
    ]
    assert api.inputs is None


def test_task_help_lists_inputs_with_types_and_defaults(api: FakeRunAPI) -> None:
    result = flyte("run", "hello.py", "main", "--help")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Usage: flyte run hello.py main [OPTIONS]" in out
    assert "The rest of the docstring is only in the task's own help." in out
    assert "--name TEXT" in out and "[default: world]" in out
    assert "--times INTEGER" in out and "[default: 1]" in out
    assert api.inputs is None


def test_task_help_of_special_types(api: FakeRunAPI) -> None:
    write(
        Path("types_wf.py"),
        """
        import datetime, enum
        from dataclasses import dataclass
        from typing import Optional
        import flyte

        env = flyte.TaskEnvironment(name="types_wf")

        class Color(enum.Enum):
            RED = "red"
            GREEN = "green"

        @dataclass
        class Point:
            x: int
            y: int = 0

        @env.task
        def main(
            color: Color,
            wait: datetime.timedelta = datetime.timedelta(minutes=90),
            when: Optional[datetime.date] = None,
            pts: list[Point] = [],
            origin: Point = Point(1, 2),
            fast: bool = True,
        ) -> None:
            pass
        """,
    )
    result = flyte("run", "types_wf.py", "main", "--help")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "--color [RED|GREEN] Color, by name or value [required]" in out
    assert "--wait DURATION seconds, or e.g. 1h30m, 2d, 45s, 250ms [default: 1h30m]" in out
    assert "--when DATE ISO 8601, e.g. 2024-05-01; optional" in out
    assert "--pts JSON list[Point] as JSON [default: []]" in out
    assert '--origin JSON Point as JSON object {x: int, y: int} [default: {"x": 1, "y": 2}]' in out
    assert "--fast / --no-fast [default: --fast]" in out


def test_run_help_explains_the_shape_of_the_command() -> None:
    result = flyte("run", "--help")
    assert result.exit_code == 0
    assert "Usage: flyte run [OPTIONS] FILE TASK [INPUTS]..." in result.stdout
    for option in ("--local", "--name", "--env KEY=VALUE", "--overwrite-cache", "--disable-run-cache"):
        assert option in result.stdout
