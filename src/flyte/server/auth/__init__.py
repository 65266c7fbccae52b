"""Authentication of the server's callers: API keys, the check every request passes, and what a
project-scoped key may see (see :mod:`flyte.server.auth.guard`)."""
