"""flyte.ai: building blocks for LLM-driven programs on Flyte (see :mod:`flyte.ai.agents`)."""
