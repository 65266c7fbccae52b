"""The control plane: HTTP API, scheduler, executors and worker runtime. Not imported by ``flyte``."""
