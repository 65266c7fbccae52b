"""Tests of images built into virtual environments and rendered as Dockerfiles."""
