"""What an executor's machines have: GPUs counted by nvidia-smi, Ray nodes added up, and the
reason a task that can never fit gives for waiting."""

from __future__ import annotations

from pathlib import Path

import pytest

from flyte._internal import wire
from flyte.server.executors.base import Capacity
from flyte.server.executors.machine import count_gpus, machine_capacity
from flyte.server.executors.ray_cluster import cluster_capacity


def _fake_nvidia_smi(folder: Path, output: str, code: int = 0) -> None:
    script = folder / "nvidia-smi"
    script.write_text(f"#!/bin/sh\nprintf '{output}'\nexit {code}\n")
    script.chmod(0o755)


def test_gpus_are_counted_from_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    monkeypatch.setenv("PATH", str(bin_folder))
    assert count_gpus() == 0  # no nvidia-smi: no GPUs
    _fake_nvidia_smi(bin_folder, "GPU 0: NVIDIA A100 (UUID: GPU-1)\\nGPU 1: NVIDIA A100 (UUID: GPU-2)\\n")
    assert count_gpus() == 2
    assert machine_capacity().gpu == 2
    _fake_nvidia_smi(bin_folder, "NVIDIA-SMI has failed\\n", code=9)
    assert count_gpus() == 0


def test_a_task_asking_for_more_than_a_machine_has_says_what() -> None:
    capacity = Capacity(cpu=4.0, memory_bytes=8 << 30, gpu=0, where="this machine")
    fits = wire.TaskSpec(name="env.small", module="wf.py", cpu=2, memory_bytes=1 << 30)
    assert capacity.shortfall(fits) is None
    big = wire.TaskSpec(name="env.big", module="wf.py", cpu=8, gpu=1)
    reason = capacity.shortfall(big)
    assert reason is not None
    assert reason.startswith("Task 'env.big' asks for cpu=8 (has 4), gpu=1 (has 0), more than this machine has")


def test_ray_nodes_add_up_but_an_attempt_must_fit_one() -> None:
    nodes = [
        {"Alive": True, "Resources": {"CPU": 2.0, "memory": 4 << 30}},
        {"Alive": True, "Resources": {"CPU": 8.0, "memory": 16 << 30, "GPU": 1.0}},
        {"Alive": False, "Resources": {"CPU": 64.0, "memory": 1 << 40, "GPU": 8.0}},
    ]
    capacity = cluster_capacity(nodes)
    assert (capacity.cpu, capacity.memory_bytes, capacity.gpu) == (10.0, 20 << 30, 1)
    assert capacity.shortfall(wire.TaskSpec(name="env.t", module="wf.py", cpu=8, gpu=1)) is None
    reason = capacity.shortfall(wire.TaskSpec(name="env.t", module="wf.py", cpu=9))
    assert reason is not None and "cpu=9 (has 8), more than the largest Ray node has" in reason
