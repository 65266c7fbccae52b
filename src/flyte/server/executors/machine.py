"""What this machine offers tasks: its CPUs (those this process may use), memory and GPUs."""

from __future__ import annotations

import os
import shutil
import subprocess

import psutil

from flyte.server.executors.base import Capacity

__all__ = ["count_gpus", "machine_capacity", "usable_cpus"]


def usable_cpus() -> list[int]:
    """The CPUs this process may run on (its affinity), in order."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def count_gpus() -> int:
    """The NVIDIA GPUs ``nvidia-smi`` lists (0 without it, or when it fails)."""
    command = shutil.which("nvidia-smi")
    if command is None:
        return 0
    try:
        listed = subprocess.run([command, "--list-gpus"], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(1 for line in listed.stdout.splitlines() if line.startswith("GPU "))


def machine_capacity() -> Capacity:
    """This machine's capacity."""
    return Capacity(
        cpu=float(len(usable_cpus())),
        memory_bytes=int(psutil.virtual_memory().total),
        gpu=count_gpus(),
        where="this machine",
    )
