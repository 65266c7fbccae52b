"""The settings of a Hugging Face prefetch and the description of a stored model."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

DEFAULT_SHARD_PATTERN = "model-rank-{rank}-part-{part}.safetensors"
"""File names of sharded weights: one series of parts per tensor-parallel rank."""


class VLLMShardArgs(BaseModel):
    """How vLLM shards a model's weights.

    Args:
        tensor_parallel_size: How many tensor-parallel ranks the weights are split for.
        dtype: The weights' data type (``"auto"``: as the checkpoint has them).
        trust_remote_code: Whether the repository's own modelling code may run.
        max_model_len: The longest context the engine is set up for (None: the model's).
        file_pattern: Names of the shard files (``{rank}`` and ``{part}`` are filled in).
        max_file_size: Bytes one shard file may take.
    """

    tensor_parallel_size: int = 1
    dtype: str = "auto"
    trust_remote_code: bool = True
    max_model_len: int | None = None
    file_pattern: str | None = DEFAULT_SHARD_PATTERN
    max_file_size: int = 5 * 1024**3

    def get_vllm_args(self, model_path: str) -> dict[str, Any]:
        """Keyword arguments of ``vllm.LLM`` loading the model at ``model_path`` for sharding."""
        args: dict[str, Any] = {
            "model": model_path,
            "tensor_parallel_size": self.tensor_parallel_size,
            "dtype": self.dtype,
            "trust_remote_code": self.trust_remote_code,
        }
        if self.max_model_len is not None:
            args["max_model_len"] = self.max_model_len
        return args


class ShardConfig(BaseModel):
    """Sharding of a prefetched model.

    Args:
        engine: The engine that shards (only ``"vllm"``).
        args: The engine's settings.
    """

    engine: Literal["vllm"] = "vllm"
    args: VLLMShardArgs = Field(default_factory=VLLMShardArgs)


class HuggingFaceModelInfo(BaseModel):
    """What to prefetch from the Hugging Face hub, and how to describe it.

    Args:
        repo: The repository id, e.g. ``"Qwen/Qwen3-0.6B"``.
        artifact_name: The name the stored model is published under (default: the repository's
            last path segment with ``.`` replaced by ``-``).
        architecture: The model's architecture (default: from its ``config.json``).
        task: What the model does (``"generate"``, ``"embed"``...; ``"auto"``).
        modality: The kinds of data it takes (``("text",)``).
        serial_format: How the weights are stored (default ``"safetensors"``).
        model_type: The model's type (default: from its ``config.json``).
        short_description: A line describing the model.
        shard_config: Sharding to apply after the download (None: store as published).
    """

    repo: str
    artifact_name: str | None = None
    architecture: str | None = None
    task: str = "auto"
    modality: tuple[str, ...] = ("text",)
    serial_format: str | None = None
    model_type: str | None = None
    short_description: str | None = None
    shard_config: ShardConfig | None = None


class StoredModelInfo(BaseModel):
    """A model stored in the object store.

    Args:
        artifact_name: The name it is published under.
        path: Where its folder is.
        metadata: What is known of it (source repository and commit, architecture...).
    """

    artifact_name: str
    path: str
    metadata: dict[str, str]
