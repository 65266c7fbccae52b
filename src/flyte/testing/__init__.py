"""Helpers for testing and benchmarking flyte code against real services."""
