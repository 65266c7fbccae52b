"""Where a local task's secret comes from: the process environment, never another task's
variables, even when both tasks expose their secrets under the same variable name."""

from __future__ import annotations

import os
from typing import Any

import pytest

import flyte
import flyte.errors
from flyte._secrets_store import set_secret

outer_env = flyte.TaskEnvironment(
    name="outer_secrets",
    env_vars={"REGION": "outer-region"},
    secrets=[flyte.Secret(key="outer-token", as_env_var="TOKEN")],
)
inner_env = flyte.TaskEnvironment(
    name="inner_secrets",
    secrets=[flyte.Secret(key="inner-token", as_env_var="TOKEN"), flyte.Secret(key="region", as_env_var="REGION")],
)


@inner_env.task
async def inner() -> str:
    return f"{os.environ['TOKEN']}|{os.environ['REGION']}"


@inner_env.task
def inner_sync() -> str:
    return f"{os.environ['TOKEN']}|{os.environ['REGION']}"


@outer_env.task
async def outer() -> list[str]:
    return [os.environ["TOKEN"], await inner()]


@outer_env.task
def outer_sync() -> list[str]:
    return [os.environ["TOKEN"], inner_sync()]


@pytest.mark.parametrize("task", [outer, outer_sync])
def test_a_child_gets_its_own_secret_not_the_parents_variable(task: Any) -> None:
    set_secret("outer-token", "outer-value")
    set_secret("inner-token", "inner-value")
    set_secret("region", "inner-region")
    assert flyte.run(task).outputs()[0] == ["outer-value", "inner-value|inner-region"]


def test_a_secret_set_in_the_process_environment_is_taken_from_there(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN", "from-the-process")
    set_secret("outer-token", "outer-value")
    set_secret("region", "inner-region")
    assert flyte.run(inner).outputs()[0] == "from-the-process|inner-region"


def test_a_task_reading_a_missing_secret_fails_naming_both_variables_that_could_provide_it() -> None:
    hint = (
        "read TOKEN, the variable of secret 'inner-token', which was not found: "
        "set the environment variable INNER_TOKEN or TOKEN, or run"
    )
    with pytest.raises(flyte.errors.RuntimeUserError, match=hint):
        flyte.run(inner)


private_image = flyte.Image.from_base("registry.example/team/private:1").clone(
    registry="registry.example/team", name="private", registry_secret="registry-login"
)
pull_env = flyte.TaskEnvironment(
    name="private_image_secrets", image=private_image, secrets=["registry-login", "api-token"]
)


@pull_env.task
async def reads_secrets() -> list[str | None]:
    return [os.environ.get("REGISTRY_LOGIN"), os.environ.get("API_TOKEN")]


def test_a_missing_secret_is_a_warning_locally_and_the_registry_secret_not_even_that(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="flyte"):
        assert flyte.run(reads_secrets).outputs()[0] == [None, None]
    warned = [r.getMessage() for r in caplog.records if "not found" in r.getMessage()]
    assert len(warned) == 1 and "Secret 'api-token' needed by task" in warned[0], warned
    assert "API_TOKEN" in warned[0] and "flyte create secret api-token" in warned[0]
    set_secret("api-token", "t")
    assert flyte.run(reads_secrets).outputs()[0] == [None, "t"]
    set_secret("registry-login", "r")
    assert flyte.run(reads_secrets).outputs()[0] == ["r", "t"]
