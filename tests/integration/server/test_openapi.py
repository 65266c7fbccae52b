"""The server's OpenAPI document matches the contract table of :mod:`flyte._internal.wire`: every
endpoint with its methods, request and response bodies referencing the wire models, and the
status codes the table promises."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from flyte._internal import wire
from tests.fixtures.server import ServerHandle

_BYTES = "tar.gz bytes"


@dataclass(frozen=True)
class Endpoint:
    """One row of the table: a method, a path, and what goes in and comes out."""

    method: str
    path: str
    request: str | None
    response: str | None
    success: int
    errors: frozenset[int]


def _table() -> list[Endpoint]:
    """The endpoints of wire's docstring table (several methods in a row give several endpoints)."""
    lines = (wire.__doc__ or "").splitlines()
    borders = [i for i, line in enumerate(lines) if re.fullmatch(r"=+( +=+)+", line)]
    assert len(borders) == 3, "the table has a header and a body between three borders"
    spans = [m.span() for m in re.finditer(r"=+", lines[borders[0]])]
    endpoints = []
    for line in lines[borders[1] + 1 : borders[2]]:
        # A long path may run into the next column: it ends at the first space.
        methods = line[: spans[1][0]].strip()
        path, _, body = line[spans[1][0] :].partition(" ")
        request, _, response = body.rpartition("->")
        response = response.strip()
        codes = {int(code) for code in re.findall(r"\b([2-5]\d\d)\b", response)}
        success = 204 if response.startswith("204") else (201 if 201 in codes else 200)
        model = re.match(r"(list\[)?([A-Z]\w+)|tar\.gz bytes", response)
        for method in methods.split(","):
            endpoints.append(
                Endpoint(
                    method=method.strip().lower(),
                    path=wire.API_PREFIX + path.split("?")[0],
                    request=request.strip() or None,
                    response=model.group(0) if model else None,
                    success=success,
                    errors=frozenset(code for code in codes if code >= 400),
                )
            )
    return endpoints


def _shape(path: str) -> str:
    # Path parameters are compared by position, not by name ({hash} in the table, {digest} in code).
    return re.sub(r"\{[^}]+\}", "{}", path)


def _ref(model: str) -> str:
    return f"#/components/schemas/{model}"


@pytest.fixture
def document(flyte_server: ServerHandle) -> dict[str, Any]:
    response = httpx.get(f"{flyte_server.endpoint}/openapi.json", timeout=10)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_every_endpoint_of_the_table_with_its_methods(document: dict[str, Any]) -> None:
    table = {(e.method, _shape(e.path)) for e in _table()}
    # + API keys (3), whoami, projects (3); an action's attempts (1); deployed tasks (3), triggers (5)
    assert len(table) == 25 + 7 + 1 + 8 + 9
    served = {(method, _shape(path)) for path, ops in document["paths"].items() for method in ops}
    assert served == table


def test_bodies_reference_the_wire_models(document: dict[str, Any]) -> None:
    operations = {(m, _shape(p)): op for p, ops in document["paths"].items() for m, op in ops.items()}
    schemas = document["components"]["schemas"]
    for endpoint in _table():
        op = operations[(endpoint.method, _shape(endpoint.path))]
        where = f"{endpoint.method.upper()} {endpoint.path}"
        content = op.get("requestBody", {}).get("content", {})
        if endpoint.request == _BYTES:
            assert "application/gzip" in content, where
        elif endpoint.request is not None and endpoint.request.endswith("?"):
            # An optional body ("Model?" in the table): the model, or nothing.
            schema = content["application/json"]["schema"]
            assert schema["anyOf"] == [{"$ref": _ref(endpoint.request[:-1])}, {"type": "null"}], where
            assert not op["requestBody"].get("required", False), where
        elif endpoint.request is not None:
            assert content["application/json"]["schema"] == {"$ref": _ref(endpoint.request)}, where
        else:
            assert not content, where

        responses = op["responses"]
        assert str(endpoint.success) in responses, where
        returned = responses[str(endpoint.success)].get("content", {})
        if endpoint.success == 204:
            assert not returned, where
        elif endpoint.response == _BYTES:
            assert "application/gzip" in returned, where
        elif endpoint.response is not None and endpoint.response.startswith("list["):
            schema = returned["application/json"]["schema"]
            assert (schema["type"], schema["items"]) == ("array", {"$ref": _ref(endpoint.response[5:])}), where
        else:
            assert returned["application/json"]["schema"] == {"$ref": _ref(str(endpoint.response))}, where
        for code in endpoint.errors:
            assert str(code) in responses, f"{where} does not document {code}"

    # The referenced schemas are the wire models themselves, field for field.
    for name in {e.request for e in _table()} | {e.response for e in _table()}:
        if name is None or name == _BYTES:
            continue
        model = getattr(wire, name.removeprefix("list[").removesuffix("?"))
        assert set(schemas[model.__name__]["properties"]) == set(model.model_fields), name


def test_error_responses_share_one_shape(document: dict[str, Any]) -> None:
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            for code, response in op["responses"].items():
                if code.startswith("4") and code != "422":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": _ref("ErrorDetail")}, (method, path, code)
    assert document["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]
