"""The prefetch task: downloads a Hugging Face repository into the run's raw-data store.

The hub client (``huggingface_hub``) and the sharding engine (``vllm``) are optional: they are
needed only where the task runs, and their absence fails it with the install command to run.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from flyte.errors import RuntimeUserError
from flyte.io import Dir
from flyte.prefetch._models import HuggingFaceModelInfo, ShardConfig

logger = logging.getLogger("flyte")

HUB_ENDPOINT_ENV = "HF_ENDPOINT"
DEFAULT_HUB_ENDPOINT = "https://huggingface.co"
_WEIGHT_SUFFIXES = (".bin", ".pt", ".safetensors")
# Matched by class name: the hub client has moved its error classes between modules across releases.
_NOT_FOUND_ERRORS = ("RepositoryNotFoundError", "RevisionNotFoundError")
_ACCESS_ERRORS = ("GatedRepoError",)


def default_artifact_name(repo: str) -> str:
    """The name a model of ``repo`` is published under by default: its last path segment, dots
    made dashes."""
    return repo.rsplit("/", 1)[-1].replace(".", "-")


def import_hub() -> ModuleType:
    """The ``huggingface_hub`` module.

    Raises:
        RuntimeUserError: it is not installed (the message says how to install it).
    """
    try:
        return importlib.import_module("huggingface_hub")
    except ModuleNotFoundError:
        raise RuntimeUserError(
            "MissingDependency",
            "flyte.prefetch.hf_model needs huggingface_hub where the task runs: pip install huggingface_hub",
        ) from None


def require_vllm(shard_config: ShardConfig) -> ModuleType:
    """The ``vllm`` module that shards with ``shard_config``.

    Raises:
        RuntimeUserError: vLLM is not installed (the message says how to install it).
    """
    if importlib.util.find_spec(shard_config.engine) is None:
        raise RuntimeUserError(
            "MissingDependency",
            f"sharding a prefetched model with {shard_config.engine} needs the vllm package where the task runs "
            "(and GPUs for tensor_parallel_size): pip install vllm",
        )
    return importlib.import_module(shard_config.engine)


def hub_endpoint(hub: ModuleType) -> str:
    """The hub the client talks to: its configured endpoint (read from ``HF_ENDPOINT`` when it was
    imported), else the variable, else the public hub."""
    try:
        configured = getattr(importlib.import_module(f"{hub.__name__}.constants"), "ENDPOINT", None)
    except ImportError:
        configured = None
    if isinstance(configured, str) and configured:
        return configured
    return os.environ.get(HUB_ENDPOINT_ENV) or DEFAULT_HUB_ENDPOINT


def _hub_error(hub: ModuleType, repo: str, action: str, error: Exception) -> RuntimeUserError:
    """The error to fail with when the hub did not answer as hoped while ``action``."""
    name = type(error).__name__
    if name in _NOT_FOUND_ERRORS:
        return RuntimeUserError(
            "RepositoryNotFound",
            f"Hugging Face repository '{repo}' was not found while {action} (a private repository needs a token: "
            "pass hf_token_key naming the secret holding it)",
        )
    if name in _ACCESS_ERRORS:
        return RuntimeUserError(
            "RepositoryAccessDenied",
            f"Hugging Face repository '{repo}' is gated: accept its terms on the hub and pass hf_token_key naming "
            "the secret holding your token",
        )
    return RuntimeUserError(
        "HubUnreachable",
        f"could not reach the Hugging Face hub at {hub_endpoint(hub)} while {action} for '{repo}': {name}: {error}",
    )


def resolve_commit(hub: ModuleType, repo: str, token: str | None) -> tuple[str, dict[str, Any]]:
    """The commit ``repo``'s main branch is at, and the model's ``config.json`` as the hub reports it.

    Raises:
        RuntimeUserError: the repository does not exist or is gated, or the hub cannot be reached.
    """
    try:
        info = hub.HfApi(token=token).model_info(repo, token=token)
    except Exception as e:
        raise _hub_error(hub, repo, "looking up its latest commit", e) from e
    config = getattr(info, "config", None)
    return str(info.sha), dict(config) if isinstance(config, dict) else {}


def _download(hub: ModuleType, repo: str, commit: str, token: str | None, into: Path) -> Path:
    try:
        hub.snapshot_download(repo_id=repo, revision=commit, local_dir=str(into), token=token)
    except Exception as e:
        raise _hub_error(hub, repo, f"downloading commit {commit}", e) from e
    # The client's bookkeeping of the download, not a file of the model.
    shutil.rmtree(into / ".cache", ignore_errors=True)
    return into


def _shard(vllm: ModuleType, shard_config: ShardConfig, model_dir: Path, into: Path) -> Path:
    """Writes the per-rank shards of the model at ``model_dir`` into ``into``, with the model's
    other files (configuration, tokenizer) beside them."""
    args = shard_config.args
    llm = vllm.LLM(**args.get_vllm_args(str(model_dir)))
    into.mkdir(parents=True, exist_ok=True)
    llm.llm_engine.engine_core.save_sharded_state(
        path=str(into), pattern=args.file_pattern, max_size=args.max_file_size
    )
    for entry in model_dir.iterdir():
        if entry.suffix in _WEIGHT_SUFFIXES:
            continue
        if entry.is_dir():
            shutil.copytree(entry, into / entry.name)
        else:
            shutil.copy2(entry, into / entry.name)
    return into


def _model_facts(info: HuggingFaceModelInfo, config: dict[str, Any]) -> tuple[str, str]:
    """The model's type and architecture: as given, else from its configuration, else "custom"."""
    architectures = config.get("architectures")
    found_arch = architectures[0] if isinstance(architectures, list) and architectures else None
    model_type = info.model_type or config.get("model_type") or "custom"
    return str(model_type), str(info.architecture or found_arch or "custom")


def _publish(
    folder: Dir, info: HuggingFaceModelInfo, name: str, commit: str, config: dict[str, Any], readme: str | None
) -> Dir:
    """``folder`` marked as the model artifact ``name`` at version ``commit``, its README as card."""
    import flyte.artifacts as artifacts

    model_type, architecture = _model_facts(info, config)
    card = artifacts.Card.create_from(content=readme, format="md", card_type="model") if readme else None
    attrs = {"source_repo": info.repo, "source_commit": commit}
    if info.shard_config is not None:
        attrs["sharding"] = f"{info.shard_config.engine}-tp{info.shard_config.args.tensor_parallel_size}"
    metadata = artifacts.Metadata.create_model_metadata(
        name=name,
        version=commit,
        description=info.short_description or f"HuggingFace model {info.repo}",
        card=card,
        framework="huggingface",
        model_type=model_type,
        architecture=architecture,
        task=info.task,
        modality=info.modality,
        serial_format=info.serial_format or "safetensors",
        attrs=attrs,
    )
    return artifacts.new(folder, metadata)


def _readme(model_dir: Path) -> str | None:
    """The repository's README (its model card), shown in the task's report too."""
    readme = model_dir / "README.md"
    if not readme.is_file():
        return None
    text = readme.read_text(errors="replace")
    import flyte.report

    flyte.report.log(f"<pre>{html.escape(text)}</pre>", do_flush=True)
    return text


def store_hf_model_task(info: str, raw_data_path: str | None = None) -> Dir:
    """Downloads the repository ``info`` names (JSON of a :class:`HuggingFaceModelInfo`), shards
    it when asked, stores it under ``raw_data_path`` (default: the run's raw-data store) and
    returns the folder, published as a model artifact whose version is the repository's commit.

    The hub is the one at ``HF_ENDPOINT`` (default https://huggingface.co); the token, if any,
    comes from ``HF_TOKEN``.

    Raises:
        RuntimeUserError: huggingface_hub (or vllm, to shard) is missing; the repository does not
            exist or is gated; the hub cannot be reached (the message names the repository).
    """
    model = HuggingFaceModelInfo.model_validate_json(info)
    hub = import_hub()
    vllm = require_vllm(model.shard_config) if model.shard_config is not None else None
    token = os.environ.get("HF_TOKEN") or None
    commit, config = resolve_commit(hub, model.repo, token)
    logger.info("Prefetching %s at commit %s", model.repo, commit)
    name = model.artifact_name or default_artifact_name(model.repo)
    with tempfile.TemporaryDirectory(prefix="flyte-prefetch-") as scratch:
        folder = _download(hub, model.repo, commit, token, Path(scratch) / name)
        if model.shard_config is not None:
            assert vllm is not None
            folder = _shard(vllm, model.shard_config, folder, Path(scratch) / "sharded" / name)
        readme = _readme(folder)
        stored = Dir.from_local_sync(folder, remote_destination=raw_data_path)
    logger.info("Stored %s at %s", model.repo, stored.path)
    return _publish(stored, model, name, commit, config, readme)
