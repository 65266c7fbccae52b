"""Payloads the server stores: large ones go to the blob store, as clients and workers do.

Clients offload big inputs before they send them, but a raw API call need not: whatever arrives
over the offload threshold is written under the run's raw-data path and the database keeps a
small reference, so a large request never becomes a large row.
"""

from __future__ import annotations

import sys

from flyte._internal.model.offload import offload_threshold, to_stored

__all__ = ["needs_offload", "stored_payload"]


def needs_offload(payload: bytes) -> bool:
    """Whether ``payload`` is too large to keep in the database."""
    return len(payload) > offload_threshold()


def stored_payload(payload: bytes, raw_data_path: str, task_name: str, what: str) -> bytes:
    """``payload`` itself when small, else a reference to its copy in the blob store."""
    if not needs_offload(payload):
        return payload
    # The inline limit is the task's business, checked by its worker; the server only offloads.
    return to_stored(payload, raw_data_path, task_name, what, sys.maxsize)
