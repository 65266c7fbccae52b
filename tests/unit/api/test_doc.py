"""Documentation: a description, checked to be text."""

from __future__ import annotations

import pytest

from flyte._doc import Documentation


def test_stores_the_description() -> None:
    assert Documentation("Trains the model").description == "Trains the model"
    assert Documentation(description="a") == Documentation("a")


def test_rejects_non_text() -> None:
    with pytest.raises(TypeError, match="5"):
        Documentation(5)
