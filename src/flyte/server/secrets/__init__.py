"""Secrets the server keeps for tasks: encrypted at rest, scoped by org, project and domain."""
