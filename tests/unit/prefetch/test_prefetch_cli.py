"""``flyte prefetch hf-model``: the model stored through the real client from a local hub."""

from __future__ import annotations

from pathlib import Path

from tests.unit.cli.run_helpers import flyte
from tests.unit.prefetch._hub_mirror import HubMirror


def test_hf_model_stores_the_repository_and_prints_where(mirror: HubMirror) -> None:
    done = flyte("prefetch", "hf-model", "acme/tiny", "--hf-token-key", "", "--wait")
    assert done.exit_code == 0, done.output
    stored = Path(done.stdout.strip().splitlines()[-1].removeprefix("Stored acme/tiny at "))
    assert sorted(p.name for p in stored.iterdir()) == ["README.md", "config.json", "model.safetensors"]


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    bad_repo = flyte("prefetch", "hf-model", "not a repo", "--hf-token-key", "")
    assert bad_repo.exit_code == 1 and "not a repo" in bad_repo.stderr and "Traceback" not in bad_repo.output
    shards = tmp_path / "shards.yaml"
    shards.write_text("engine: tgi\n")
    bad_shards = flyte("prefetch", "hf-model", "acme/tiny", "--shard-config", str(shards))
    assert bad_shards.exit_code == 2 and "is not a shard config" in bad_shards.stderr
