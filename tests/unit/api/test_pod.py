"""PodTemplate: stored as given, with its names and labels checked."""

from __future__ import annotations

import pytest

from flyte._pod import PodTemplate


def test_defaults_and_storage() -> None:
    assert PodTemplate() == PodTemplate(pod_spec=None, primary_container_name="primary", labels=None, annotations=None)
    spec = {"containers": [{"name": "main"}], "nodeSelector": {"gpu": "true"}}
    template = PodTemplate(pod_spec=spec, primary_container_name="main", labels={"team": "ml"}, annotations={"a": "b"})
    assert template.pod_spec is spec
    assert (template.primary_container_name, template.labels, template.annotations) == (
        "main",
        {"team": "ml"},
        {"a": "b"},
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"primary_container_name": ""}, ValueError, "''"),
        ({"labels": {"team": 1}}, TypeError, "1"),
        ({"annotations": ["a"]}, TypeError, "['a']"),
    ],
)
def test_validation(kwargs: dict[str, object], error: type[Exception], named: str) -> None:
    with pytest.raises(error) as info:
        PodTemplate(**kwargs)
    assert named in str(info.value)
