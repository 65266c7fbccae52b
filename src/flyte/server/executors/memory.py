"""How much memory a worker uses: what the executors compare with a task's memory limit."""

from __future__ import annotations

import psutil

__all__ = ["resident_bytes"]


def resident_bytes(pid: int) -> int:
    """Resident memory of a process and its descendants, in bytes (0 if it is gone)."""
    try:
        process = psutil.Process(pid)
        total = int(process.memory_info().rss)
        for child in process.children(recursive=True):
            try:
                total += int(child.memory_info().rss)
            except psutil.Error:
                continue
        return total
    except psutil.Error:
        return 0
