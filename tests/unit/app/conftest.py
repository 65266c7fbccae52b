"""The app fixtures (tests.fixtures.apps) for the app unit tests."""

from tests.fixtures.apps import free_port, no_leaked_apps

__all__ = ["free_port", "no_leaked_apps"]
