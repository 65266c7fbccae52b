"""Runs of deployed tasks: their inputs and run requests, built from what the server stored.

Both the SDK (``flyte.run`` of a :class:`flyte.remote.Task`) and the server's trigger clock use
these, so a run of a deployed task looks the same whoever starts it: the stored task spec,
code bundle and images, and inputs packed in the interface's declaration order (the canonical
form that run names and cache keys hash).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flyte._internal import wire
from flyte._internal.serde import hash_bytes, pack, unpack
from flyte.errors import RuntimeUserError

__all__ = ["cache_key", "pack_inputs", "run_request", "unpack_inputs"]


def unpack_inputs(blob: bytes) -> dict[str, Any]:
    """The ``name -> literal`` map of packed inputs."""
    literals = unpack(blob)
    if not isinstance(literals, dict):
        raise RuntimeUserError("BadInputs", "packed inputs must be a map of input name to literal")
    return literals


def pack_inputs(task: wire.TaskInfo | wire.DeployTaskRequest, literals: Mapping[str, Any]) -> bytes:
    """The inputs as the task's root action receives them: in declaration order, defaults filled
    in where the server knows them (the task's code fills in the others).

    Raises:
        RuntimeUserError: ``BadInputs``, an input the task does not have, or a required one missing.
    """
    name = task.task.name
    declared = {spec.name: spec for spec in task.interface.inputs}
    unknown = sorted(set(literals) - set(declared))
    if unknown:
        raise RuntimeUserError(
            "BadInputs",
            f"task {name} has no input(s) {', '.join(unknown)}; its inputs: {', '.join(declared) or 'none'}",
        )
    packed: dict[str, Any] = {}
    for spec in task.interface.inputs:
        if spec.name in literals:
            packed[spec.name] = literals[spec.name]
        elif spec.default is not None:
            packed[spec.name] = unpack(spec.default)
        elif not spec.has_default:
            raise RuntimeUserError("BadInputs", f"task {name} is missing required input '{spec.name}'")
    return pack(packed)


def cache_key(task: wire.TaskInfo, blob: bytes) -> str | None:
    """The root action's cache key for these inputs, or None when the task is not cached."""
    if not task.task.cacheable or task.cache_version is None:
        return None
    return hash_bytes(f"{hash_bytes(blob)}|{task.task.name}|{task.cache_version}".encode())


def run_request(
    task: wire.TaskInfo,
    inputs: bytes,
    *,
    name: str,
    stored_inputs: bytes | None = None,
    env_vars: dict[str, str] | None = None,
    overwrite_cache: bool = False,
    disable_run_cache: bool = False,
    max_action_concurrency: int | None = None,
    custom_context: dict[str, str] | None = None,
) -> wire.CreateRunRequest:
    """A request for a run of the deployed ``task`` with its packed ``inputs``; ``stored_inputs``
    replaces them in the request when they were offloaded (the cache key hashes the values)."""
    return wire.CreateRunRequest(
        name=name,
        project=task.project,
        domain=task.domain,
        task=task.task,
        inputs=inputs if stored_inputs is None else stored_inputs,
        bundle=task.bundle,
        cache_key=None if disable_run_cache else cache_key(task, inputs),
        env_vars=env_vars or {},
        overwrite_cache=overwrite_cache,
        disable_run_cache=disable_run_cache,
        max_action_concurrency=max_action_concurrency,
        custom_context=custom_context or {},
        images=task.images,
    )
