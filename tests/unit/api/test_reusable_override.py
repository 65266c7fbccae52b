"""A reusable environment's task refuses per-call overrides of what its warm workers were made
with (resources, env_vars, secrets) unless the same call turns reuse off."""

from __future__ import annotations

import pytest

import flyte

env = flyte.TaskEnvironment(
    name="reuse_override",
    resources=flyte.Resources(cpu=1, memory="250Mi"),
    reusable=flyte.ReusePolicy(replicas=2, idle_ttl=60),
)
plain = flyte.TaskEnvironment(name="plain_override")


@env.task
async def crunch(x: int) -> int:
    return x


@plain.task
async def simple(x: int) -> int:
    return x


@pytest.mark.parametrize(
    "override",
    [
        {"resources": flyte.Resources(cpu=2)},
        {"env_vars": {"A": "1"}},
        {"secrets": [flyte.Secret(key="k")]},
    ],
    ids=["resources", "env_vars", "secrets"],
)
def test_overrides_of_a_reusable_task_need_reuse_off(override: dict[str, object]) -> None:
    name = next(iter(override))
    with pytest.raises(ValueError, match=f'its {name} cannot be overridden alone; pass reusable="off"'):
        crunch.override(**override)
    bigger = crunch.override(reusable="off", **override)
    assert bigger.reusable is None
    assert getattr(bigger, name) == override[name]


def test_other_overrides_and_plain_tasks_are_free() -> None:
    assert crunch.override(retries=2).retries is not None
    assert crunch.override(cache="auto").reusable is not None
    assert simple.override(resources=flyte.Resources(cpu=2)).resources == flyte.Resources(cpu=2)


async def test_the_rule_holds_in_a_local_run() -> None:
    @plain.task
    async def caller() -> str:
        try:
            await crunch.override(resources=flyte.Resources(cpu=2))(1)
        except ValueError as e:
            return str(e)
        return "not refused"

    run = await flyte.with_runcontext(mode="local").run.aio(caller)
    assert 'reusable="off"' in run.outputs()[0]
