"""hf_model with the real huggingface_hub client against a local hub (``HF_ENDPOINT``).

Skipped where huggingface_hub is not installed (it is an optional dependency of prefetching).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import flyte.errors
import flyte.prefetch
from tests.unit.prefetch._hub_mirror import COMMIT, HubMirror

hub_constants = pytest.importorskip("huggingface_hub.constants")


def test_a_repository_is_downloaded_from_the_hub_into_the_run_store(mirror: HubMirror) -> None:
    stored = flyte.prefetch.hf_model("acme/tiny", hf_token_key=None).outputs()[0]
    folder = Path(stored.path)
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "model.safetensors"]
    assert (folder / "model.safetensors").read_bytes() == b"weights" * 100
    assert f"GET /acme/tiny/resolve/{COMMIT}/model.safetensors" in mirror.requests


def test_an_unknown_repository_and_an_unreachable_hub_are_named(
    mirror: HubMirror, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(flyte.errors.RuntimeUserError, match="repository 'acme/missing' was not found"):
        flyte.prefetch.hf_model("acme/missing", hf_token_key=None)
    mirror.close()
    with pytest.raises(flyte.errors.RuntimeUserError, match=f"could not reach the Hugging Face hub at {mirror.url}"):
        flyte.prefetch.hf_model("acme/tiny", hf_token_key=None, force=1)
