"""Prefetching models into the object store: ``flyte.prefetch.hf_model(repo)`` starts a run that
downloads a Hugging Face repository and publishes it as a model artifact."""

from __future__ import annotations

from flyte.prefetch._hf_model import hf_model
from flyte.prefetch._models import HuggingFaceModelInfo, ShardConfig, StoredModelInfo, VLLMShardArgs

__all__ = [
    "HuggingFaceModelInfo",
    "ShardConfig",
    "StoredModelInfo",
    "VLLMShardArgs",
    "hf_model",
]
