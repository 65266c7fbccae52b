"""Loggers: ``flyte.logger`` for users' task code, ``flyte`` for flyte's own messages."""

from __future__ import annotations

import logging

logger = logging.getLogger("flyte.user")
"""The logger for task code: its records are kept with the action that wrote them."""

system_logger = logging.getLogger("flyte")
"""flyte's own logger: engine warnings and diagnostics."""
