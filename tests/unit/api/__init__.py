"""Tests of the public API's value objects (resources, secrets, cache, image, ...)."""
