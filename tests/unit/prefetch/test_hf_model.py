"""flyte.prefetch.hf_model: argument checks, the run it starts, and the download task.

huggingface_hub is not a dependency of the project (and the hub is out of reach here): the
download task is exercised against a stand-in ``huggingface_hub`` module serving a local folder
as the repository, installed in ``sys.modules`` for the test only.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

import flyte
import flyte.errors
import flyte.prefetch
from flyte.artifacts._wrapper import declared_metadata
from flyte.io import Dir
from flyte.prefetch import HuggingFaceModelInfo, ShardConfig, StoredModelInfo, VLLMShardArgs

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class RepositoryNotFoundError(Exception):
    """Named as the hub client's error: the task recognizes it by name."""


def _fake_hub(repos: dict[str, Path], calls: list[tuple[str, Any]], unreachable: bool = False) -> types.ModuleType:
    hub = types.ModuleType("huggingface_hub")

    class HfApi:
        def __init__(self, token: str | None = None) -> None:
            calls.append(("token", token))

        def model_info(self, repo_id: str, token: str | None = None) -> Any:
            if unreachable:
                raise ConnectionError("Failed to resolve 'huggingface.co'")
            if repo_id not in repos:
                raise RepositoryNotFoundError(f"404 for {repo_id}")
            return types.SimpleNamespace(sha=COMMIT, config={"model_type": "llama", "architectures": ["LlamaForX"]})

    def snapshot_download(repo_id: str, revision: str, local_dir: str, token: str | None) -> str:
        calls.append(("download", (repo_id, revision)))
        target = Path(local_dir)
        target.mkdir(parents=True, exist_ok=True)
        for f in repos[repo_id].iterdir():
            (target / f.name).write_bytes(f.read_bytes())
        (target / ".cache").mkdir()
        return local_dir

    hub.HfApi = HfApi  # type: ignore[attr-defined]
    hub.snapshot_download = snapshot_download  # type: ignore[attr-defined]
    return hub


@pytest.fixture
def repo_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "mirror" / "tiny"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "llama"}')
    (folder / "model.safetensors").write_bytes(b"\x00weights\x01")
    (folder / "README.md").write_text("# Tiny model\nfor tests")
    return folder


def test_hf_model_downloads_the_repository_into_the_run_store_and_publishes_it(
    monkeypatch: pytest.MonkeyPatch, repo_dir: Path
) -> None:
    calls: list[tuple[str, Any]] = []
    monkeypatch.setitem(sys.modules, "huggingface_hub", _fake_hub({"acme/Tiny-1.5": repo_dir}, calls))
    monkeypatch.setenv("HF_TOKEN", "secret-token")
    run = flyte.prefetch.hf_model("acme/Tiny-1.5", short_description="a tiny model")
    assert run.phase == "SUCCEEDED"
    stored = run.outputs()[0]
    assert isinstance(stored, Dir)
    files = sorted(p.name for p in Path(stored.path).iterdir())
    assert files == ["README.md", "config.json", "model.safetensors"]
    assert (Path(stored.path) / "model.safetensors").read_bytes() == b"\x00weights\x01"
    assert ("token", "secret-token") in calls and ("download", ("acme/Tiny-1.5", COMMIT)) in calls


def test_the_stored_folder_is_a_model_artifact_versioned_by_commit(
    monkeypatch: pytest.MonkeyPatch, repo_dir: Path
) -> None:
    from flyte.prefetch._store import store_hf_model_task

    monkeypatch.setitem(sys.modules, "huggingface_hub", _fake_hub({"acme/Tiny-1.5": repo_dir}, []))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    info = HuggingFaceModelInfo(repo="acme/Tiny-1.5", task="generate")
    folder = store_hf_model_task(info.model_dump_json(), str(repo_dir.parent.parent / "store" / "tiny"))
    metadata = declared_metadata(folder)
    assert metadata is not None
    assert (metadata.name, metadata.version) == ("Tiny-1-5", COMMIT)
    assert metadata.attrs is not None
    assert metadata.attrs["source_repo"] == "acme/Tiny-1.5" and metadata.attrs["source_commit"] == COMMIT
    assert "LlamaForX" in metadata.attrs.values()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"repo": ""}, "repo must be a Hugging Face repository id"),
        ({"repo": "a/b/c"}, "repo must be a Hugging Face repository id"),
        ({"repo": "acme/x", "artifact_name": "bad name!"}, "artifact_name 'bad name!'"),
        ({"repo": "acme/x", "modality": ()}, "modality must be a non-empty tuple"),
        ({"repo": "acme/x", "force": -1}, "force must be an integer >= 0"),
    ],
)
def test_bad_arguments_are_refused_before_any_run(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        flyte.prefetch.hf_model(**kwargs)


def test_wrongly_typed_settings_are_refused() -> None:
    with pytest.raises(TypeError, match="shard_config must be a ShardConfig"):
        flyte.prefetch.hf_model("acme/x", shard_config={"engine": "vllm"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"resources must be a flyte\.Resources"):
        flyte.prefetch.hf_model("acme/x", resources="big")  # type: ignore[arg-type]


def test_without_huggingface_hub_the_run_fails_saying_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    with pytest.raises(flyte.errors.RuntimeUserError, match="pip install huggingface_hub") as info:
        flyte.prefetch.hf_model("acme/x", hf_token_key=None)
    assert "\n" not in info.value.message


def test_an_unknown_repository_and_an_unreachable_hub_are_named(
    monkeypatch: pytest.MonkeyPatch, repo_dir: Path
) -> None:
    monkeypatch.setitem(sys.modules, "huggingface_hub", _fake_hub({}, []))
    with pytest.raises(flyte.errors.RuntimeUserError, match="repository 'acme/missing' was not found"):
        flyte.prefetch.hf_model("acme/missing", hf_token_key=None)
    monkeypatch.setitem(sys.modules, "huggingface_hub", _fake_hub({}, [], unreachable=True))
    # The client's configured endpoint is the one reported (it reads HF_ENDPOINT when imported).
    monkeypatch.setitem(sys.modules, "huggingface_hub.constants", types.SimpleNamespace(ENDPOINT="http://127.0.0.1:9"))
    expected = r"could not reach the Hugging Face hub at http://127\.0\.0\.1:9 .* for 'acme/tiny'"
    with pytest.raises(flyte.errors.RuntimeUserError, match=expected):
        flyte.prefetch.hf_model("acme/tiny", hf_token_key=None)


def test_the_token_secret_reaches_the_task_as_hf_token(monkeypatch: pytest.MonkeyPatch, repo_dir: Path) -> None:
    calls: list[tuple[str, Any]] = []
    monkeypatch.setitem(sys.modules, "huggingface_hub", _fake_hub({"acme/tiny": repo_dir}, calls))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("MY_HF_KEY", "from-my-secret")
    flyte.prefetch.hf_model("acme/tiny", hf_token_key="MY_HF_KEY")
    assert ("token", "from-my-secret") in calls
    # Public repositories need no token at all.
    calls.clear()
    flyte.prefetch.hf_model("acme/tiny", hf_token_key=None, force=1)
    assert ("token", None) in calls


def test_sharding_without_vllm_is_refused_clearly(monkeypatch: pytest.MonkeyPatch, repo_dir: Path) -> None:
    monkeypatch.setitem(sys.modules, "huggingface_hub", _fake_hub({"acme/tiny": repo_dir}, []))
    shard = ShardConfig(args=VLLMShardArgs(tensor_parallel_size=2))
    with pytest.raises(flyte.errors.RuntimeUserError, match=r"needs the vllm package .*: pip install vllm"):
        flyte.prefetch.hf_model("acme/tiny", hf_token_key=None, shard_config=shard)


def test_models_match_the_sdk_shapes() -> None:
    args = VLLMShardArgs(tensor_parallel_size=4, max_model_len=2048)
    assert args.get_vllm_args("/m") == {
        "model": "/m",
        "tensor_parallel_size": 4,
        "dtype": "auto",
        "trust_remote_code": True,
        "max_model_len": 2048,
    }
    assert (
        ShardConfig().engine == "vllm"
        and ShardConfig().args.file_pattern == "model-rank-{rank}-part-{part}.safetensors"
    )
    info = HuggingFaceModelInfo.model_validate_json(
        HuggingFaceModelInfo(repo="a/b", shard_config=ShardConfig()).model_dump_json()
    )
    assert info.shard_config is not None and info.modality == ("text",)
    stored = StoredModelInfo(artifact_name="b", path="s3://x/b", metadata={"k": "v"})
    assert stored.metadata == {"k": "v"}


def test_repeated_prefetches_are_served_from_the_cache_until_forced(
    monkeypatch: pytest.MonkeyPatch, repo_dir: Path
) -> None:
    calls: list[tuple[str, Any]] = []
    monkeypatch.setitem(sys.modules, "huggingface_hub", _fake_hub({"acme/tiny": repo_dir}, calls))
    first = flyte.prefetch.hf_model("acme/tiny", hf_token_key=None).outputs()[0]
    again = flyte.prefetch.hf_model("acme/tiny", hf_token_key=None).outputs()[0]
    assert again.path == first.path
    assert [c for c in calls if c[0] == "download"] == [("download", ("acme/tiny", COMMIT))]
    forced = flyte.prefetch.hf_model("acme/tiny", hf_token_key=None, force=1).outputs()[0]
    assert forced.path != first.path
    assert len([c for c in calls if c[0] == "download"]) == 2
