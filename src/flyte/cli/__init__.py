"""The ``flyte`` command line; the entry point is :data:`flyte.cli.main.main`."""
