"""``flyte.prefetch.hf_model``: a run that stores a Hugging Face model in the object store."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flyte._resources import Resources
from flyte.prefetch._models import HuggingFaceModelInfo, ShardConfig
from flyte.prefetch._store import default_artifact_name, store_hf_model_task

if TYPE_CHECKING:
    from flyte._run import Run

#: Packages of the image the prefetch task runs in on a cluster.
HF_DOWNLOAD_IMAGE_PACKAGES = ("huggingface-hub>=0.27.0", "hf-transfer>=0.1.8")
#: The vLLM that shards checkpoints: pinned, since its shard files are read back by the same vLLM.
VLLM_SHARDING_VERSION = "0.26.0"
PREFETCH_ENV_NAME = "prefetch-hf-model"

_ARTIFACT_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")


def _validate(repo: str, artifact_name: str | None, modality: tuple[str, ...], force: int) -> None:
    if not isinstance(repo, str) or not _REPO_ID.match(repo) or ".." in repo:
        raise ValueError(f"hf_model: repo must be a Hugging Face repository id such as 'Qwen/Qwen3-0.6B', got {repo!r}")
    if artifact_name is not None and not _ARTIFACT_NAME.match(artifact_name):
        raise ValueError(
            f"hf_model: artifact_name {artifact_name!r} must only contain letters, digits, underscores and hyphens"
        )
    if not isinstance(modality, tuple) or not modality or not all(isinstance(m, str) and m for m in modality):
        raise ValueError(f"hf_model: modality must be a non-empty tuple of names such as ('text',), got {modality!r}")
    if isinstance(force, bool) or not isinstance(force, int) or force < 0:
        raise ValueError(f"hf_model: force must be an integer >= 0, got {force!r}")


def _image(shard_config: ShardConfig | None) -> object:
    import flyte

    image = flyte.Image.from_debian_base(name="prefetch-hf-model-image").with_pip_packages(*HF_DOWNLOAD_IMAGE_PACKAGES)
    if shard_config is not None:
        image = image.with_pip_packages(f"vllm=={VLLM_SHARDING_VERSION}")
    return image


def hf_model(
    repo: str,
    *,
    raw_data_path: str | None = None,
    artifact_name: str | None = None,
    architecture: str | None = None,
    task: str = "auto",
    modality: tuple[str, ...] = ("text",),
    serial_format: str | None = None,
    model_type: str | None = None,
    short_description: str | None = None,
    shard_config: ShardConfig | None = None,
    hf_token_key: str | None = "HF_TOKEN",
    resources: Resources = Resources(cpu="2", memory="8Gi", disk="50Gi"),
    force: int = 0,
) -> Run:
    """Starts a run (in the current mode: local, or on the configured server) that downloads the
    Hugging Face repository ``repo`` and stores it in the object store.

    The run's output is the model's folder, published as a model artifact named ``artifact_name``
    (default: the repository's last path segment, ``.`` made ``-``) whose version is the
    repository's commit; its README becomes the model card. With ``shard_config`` the weights are
    first sharded for tensor parallelism with vLLM (which needs vllm and GPUs where it runs).
    Repeated calls are served from the cache; raise ``force`` to download again.

    Args:
        repo: The repository id, e.g. ``"Qwen/Qwen3-0.6B"``.
        raw_data_path: Where to store the model (default: the run's raw-data store).
        artifact_name: The name to publish the model under.
        architecture: The model's architecture (default: from its ``config.json``).
        task: What the model does (``"generate"``, ``"embed"``...).
        modality: The kinds of data it takes.
        serial_format: How its weights are stored (default ``"safetensors"``).
        model_type: Its type (default: from its ``config.json``).
        short_description: A line describing it.
        shard_config: Sharding to apply (:class:`ShardConfig`).
        hf_token_key: The secret holding a Hugging Face token, given to the task as ``HF_TOKEN``;
            None for public repositories.
        resources: What the prefetch task asks for.
        force: Raise it to bypass the cache and download again.

    Returns:
        The run; wait for it and read its output (the model's folder).

    Raises:
        ValueError: a malformed repository id or artifact name, or a bad ``modality``/``force``.
        TypeError: ``shard_config`` or ``resources`` of the wrong type.
    """
    import flyte

    _validate(repo, artifact_name, modality, force)
    if shard_config is not None and not isinstance(shard_config, ShardConfig):
        raise TypeError(f"hf_model: shard_config must be a ShardConfig, got {type(shard_config).__name__}")
    if not isinstance(resources, Resources):
        raise TypeError(f"hf_model: resources must be a flyte.Resources, got {type(resources).__name__}")
    info = HuggingFaceModelInfo(
        repo=repo,
        artifact_name=artifact_name,
        architecture=architecture,
        task=task,
        modality=modality,
        serial_format=serial_format,
        model_type=model_type,
        short_description=short_description,
        shard_config=shard_config,
    )
    env = flyte.TaskEnvironment(
        name=PREFETCH_ENV_NAME,
        image=_image(shard_config),  # type: ignore[arg-type]
        resources=resources,
        secrets=[flyte.Secret(key=hf_token_key, as_env_var="HF_TOKEN")] if hf_token_key else None,
    )
    # Cached on the model's description and destination; `force` salts the key to download again.
    cache = flyte.Cache(behavior="auto", salt=str(force))
    prefetch = env.task(report=True, produces_artifacts=True, cache=cache)(store_hf_model_task)
    run: Run = flyte.with_runcontext(
        interactive_mode=True,
        disable_run_cache=force > 0,
        labels={"model": artifact_name or default_artifact_name(repo)},
    ).run(prefetch, info.model_dump_json(), raw_data_path)
    return run
