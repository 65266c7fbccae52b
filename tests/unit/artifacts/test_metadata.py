"""Artifact metadata, partitions, cards, identifiers and triggers."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

import flyte.artifacts as artifacts
from flyte._artifact_triggers import OnArtifact, TriggeredArtifact, TriggeredPartition, check_trigger
from flyte.artifacts import ArtifactKey, ArtifactVersionId, Card, Metadata, TimePartition
from flyte.artifacts._partitions import resolve_partitions


def test_model_metadata_sets_kind_and_attrs() -> None:
    md = Metadata.create_model_metadata(name="m", framework="PyTorch", modality=("image",), attrs={"x": "1"})
    attrs = md.resolved_attrs()
    assert attrs[artifacts.KIND_KEY] == "model"
    assert attrs["framework"] == "PyTorch" and attrs["modality"] == "image" and attrs["x"] == "1"
    assert Metadata(name="d", kind="data").resolved_attrs() == {artifacts.KIND_KEY: "data"}
    explicit = Metadata(name="d", kind="data", attrs={artifacts.KIND_KEY: "generic"})
    assert explicit.resolved_attrs()[artifacts.KIND_KEY] == "generic"


def test_partitions_resolve_and_validate() -> None:
    resolved = resolve_partitions(
        {"hour": datetime.datetime(2026, 3, 4, 5, 6, 7), "region": "us", "n": 7},
    )
    assert resolved["hour"] == {"value": "2026-03-04T05:00:00+00:00", "granularity": "hour"}
    assert resolved["region"] == {"value": "us"} and resolved["n"] == {"value": "7"}
    month = resolve_partitions({"date": TimePartition(datetime.date(2026, 8, 17), "month")})
    assert month["date"]["value"].startswith("2026-08-01")
    week = resolve_partitions({"date": TimePartition(datetime.date(2026, 8, 13), "week")})
    assert week["date"]["value"].startswith("2026-08-10")
    with pytest.raises(ValueError, match="at most one time partition"):
        Metadata(name="x", partitions={"a": datetime.date(2026, 1, 1), "b": datetime.date(2026, 1, 2)})
    with pytest.raises(ValueError, match="'region' is None"):
        Metadata(name="x", partitions={"region": None})
    with pytest.raises(ValueError, match="granularity 'year'"):
        TimePartition(datetime.date(2026, 1, 1), "year")  # type: ignore[arg-type]


def test_parents_are_checked() -> None:
    parent = ArtifactVersionId(key=ArtifactKey(name="other"), version="v1")
    md = Metadata(name="x", parents=("v0", parent))
    assert md.to_record("o0")["parents"] == ["v0", {"name": "other", "project": "", "version": "v1"}]
    with pytest.raises(ValueError, match=f"at most {artifacts.MAX_PARENTS} parents"):
        Metadata(name="x", parents=tuple(f"v{i}" for i in range(artifacts.MAX_PARENTS + 1)))
    with pytest.raises(ValueError, match=r"parents\[0\] is an empty"):
        Metadata(name="x", parents=("",))
    with pytest.raises(ValueError, match="non-empty name"):
        Metadata(name="")


def test_card_is_stored_from_content_and_file(tmp_path: Path) -> None:
    card = Card.create_from(content="<h1>model</h1>", card_type="model")
    assert card.format == "html" and card.card_type == "model"
    assert Path(card.uri).read_text() == "<h1>model</h1>"
    source = tmp_path / "card.md"
    source.write_text("# data")
    md_card = Card.create_from(local_path=source, format="md")
    assert Path(md_card.uri).read_text() == "# data"
    with pytest.raises(ValueError, match="content or local_path"):
        Card.create_from()


def test_artifact_triggers() -> None:
    on = OnArtifact("events", region="us")
    assert on.partitions == {"region": "us"} and on.version is None
    assert "events" in str(on) and "region=us" in str(on)
    with pytest.raises(TypeError, match="partition 'day' must be a string"):
        OnArtifact("events", day=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty artifact name"):
        OnArtifact("")
    with pytest.raises(ValueError, match="non-empty partition key"):
        TriggeredPartition("")
    check_trigger("t", on, {"model": TriggeredArtifact, "day": TriggeredPartition("date")})
    with pytest.raises(ValueError, match="Trigger 't' binds TriggeredArtifact to inputs"):
        check_trigger("t", on, {"a": TriggeredArtifact, "b": TriggeredArtifact})
    with pytest.raises(ValueError, match=r"automation is not flyte\.OnArtifact"):
        check_trigger("t", None, {"a": TriggeredPartition("date")})
