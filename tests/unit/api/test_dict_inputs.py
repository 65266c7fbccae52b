"""A dict given where a dataclass or pydantic model is expected stands for that record: its
missing fields take their defaults, and a wrong key or a missing required field is named."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pydantic import BaseModel

import flyte
from flyte.errors import RuntimeDataValidationError

env = flyte.TaskEnvironment("dict-inputs")


@dataclass
class Query:
    text: str
    limit: int = 10
    tags: list[str] = field(default_factory=list)


class Report(BaseModel):
    name: str
    status: str = "ok"


@env.task
async def describe(query: Query, report: Report) -> str:
    return f"{query.text}/{query.limit}/{query.tags} {report.name}/{report.status}"


def test_dicts_stand_for_records() -> None:
    run = flyte.with_runcontext(mode="local").run(describe, query={"text": "q", "tags": ["a"]}, report={"name": "n"})
    assert run.outputs()[0] == "q/10/['a'] n/ok"


@pytest.mark.parametrize(
    ("query", "report", "message"),
    [
        ({"limit": 1}, {"name": "n"}, r"missing the required field\(s\) \['text'\]"),
        ({"text": "q", "bogus": 1}, {"name": "n"}, r"has no field\(s\) \['bogus'\]"),
        ({"text": "q"}, {"status": "x"}, "invalid field"),
    ],
)
def test_bad_dicts_are_refused_naming_the_field(
    query: dict[str, object], report: dict[str, object], message: str
) -> None:
    with pytest.raises(RuntimeDataValidationError, match=message):
        flyte.with_runcontext(mode="local").run(describe, query=query, report=report)
