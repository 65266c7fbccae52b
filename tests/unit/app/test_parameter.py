"""App parameters: validation, local values, and get_parameter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flyte.app import AppEndpoint, AppEnvironment, ArtifactValue, Parameter, RunOutput, get_parameter
from flyte.app._local import materialize_parameters
from flyte.app._parameter import RUNTIME_PARAMETERS_FILE, _current_parameters
from flyte.errors import ParameterMaterializationError
from flyte.io import File


def test_parameter_validation() -> None:
    with pytest.raises(ValueError, match="env_var"):
        Parameter("p", "v", env_var="1BAD")
    with pytest.raises(TypeError, match=r"Parameter 'p'.*int"):
        Parameter("p", 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty"):
        Parameter("", "v")


def test_delayed_values_validation() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        RunOutput(type="file")
    with pytest.raises(ValueError, match="app_endpoint"):
        RunOutput(type="app_endpoint", run_name="r")
    with pytest.raises(ValueError, match="'m'"):
        ArtifactValue(name="m", type="string")
    assert AppEndpoint(app_name="up").type == "string"


def test_materialize_plain_values_and_overrides() -> None:
    app = AppEnvironment(
        name="a",
        parameters=[Parameter("s", "x"), Parameter("f", File.from_existing_remote("s3://b/k")), Parameter("n")],
    )
    assert materialize_parameters(app, {"n": "given"}) == {"s": "x", "f": "s3://b/k", "n": "given"}


@pytest.mark.parametrize(
    ("parameter", "overrides", "match"),
    [
        (Parameter("n"), {}, "Parameter 'n' of app 'a' has no value"),
        (Parameter("r", RunOutput(type="file", run_name="r1")), {}, "RunOutput, which only a server"),
        (Parameter("e", AppEndpoint(app_name="up")), {}, "'up', which is not served locally"),
        (Parameter("s", "x"), {"zzz": "1"}, "no parameters \\['zzz'\\]"),
    ],
)
def test_materialize_errors(parameter: Parameter, overrides: dict[str, object], match: str) -> None:
    with pytest.raises(ParameterMaterializationError, match=match):
        materialize_parameters(AppEnvironment(name="a", parameters=[parameter]), overrides)


def test_get_parameter_from_context_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="'p'"):
        get_parameter("p")
    token = _current_parameters.set({"p": "1"})
    try:
        assert get_parameter("p") == "1"
        with pytest.raises(KeyError, match="no parameter 'q'"):
            get_parameter("q")
    finally:
        _current_parameters.reset(token)
    values = tmp_path / "params.json"
    values.write_text(json.dumps({"p": "2"}))
    monkeypatch.setenv(RUNTIME_PARAMETERS_FILE, str(values))
    assert get_parameter("p") == "2"
