"""Ready-made app environments for common frameworks (FastAPI needs ``fastapi`` and ``uvicorn``)."""

from flyte.app.extras._fastapi import FastAPIAppEnvironment

__all__ = ["FastAPIAppEnvironment"]
