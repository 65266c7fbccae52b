"""The worker runtime: one process per attempt, talking to the server that started it."""
