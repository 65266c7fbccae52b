"""A local Hugging Face hub (``HF_ENDPOINT``) for the prefetch tests that use the real client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.prefetch._hub_mirror import HubMirror


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubMirror]:
    repo = tmp_path / "repos" / "tiny"
    repo.mkdir(parents=True)
    (repo / "config.json").write_text('{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}')
    (repo / "model.safetensors").write_bytes(b"weights" * 100)
    (repo / "README.md").write_text("# Tiny\n")
    hub_constants = pytest.importorskip("huggingface_hub.constants")
    served = HubMirror({"acme/tiny": repo})
    # The client reads HF_ENDPOINT when first imported; a test may come after that.
    monkeypatch.setenv("HF_ENDPOINT", served.url)
    monkeypatch.setattr(hub_constants, "ENDPOINT", served.url)
    monkeypatch.setattr(
        hub_constants, "HUGGINGFACE_CO_URL_TEMPLATE", served.url + "/{repo_id}/resolve/{revision}/{filename}"
    )
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    yield served
    served.close()
