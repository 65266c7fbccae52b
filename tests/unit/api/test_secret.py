"""Secret: env-var name derivation, validation, stable hash, and request normalisation."""

from __future__ import annotations

import pathlib

import pytest

from flyte._secret import Secret, secrets_from_request


@pytest.mark.parametrize(
    ("kwargs", "env_var"),
    [
        ({"key": "my_key"}, "MY_KEY"),
        ({"key": "my-key"}, "MY_KEY"),
        ({"key": "k", "group": "g-1"}, "G_1_K"),
        ({"key": "k", "group": ""}, "K"),
        ({"key": "k", "as_env_var": "MY_VAR"}, "MY_VAR"),
        ({"key": "k", "as_env_var": ""}, "K"),
        ({"key": "_k"}, "_K"),
        ({"key": "MY.KEY", "group": "grp"}, "GRP_MY_KEY"),
        ({"key": "a b"}, "A_B"),
        ({"key": "/tmp/secret1"}, "_TMP_SECRET1"),
        ({"key": "1st"}, "_1ST"),
    ],
)
def test_env_var_derivation(kwargs: dict[str, str], env_var: str) -> None:
    assert Secret(**kwargs).as_env_var == env_var


def test_mounted_secret_gets_no_env_var_unless_asked() -> None:
    mount = pathlib.Path("/etc/flyte/secrets")
    assert Secret(key="k", mount=mount).as_env_var is None
    assert Secret(key="k", mount=mount, as_env_var="X").as_env_var == "X"


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"key": "k", "as_env_var": "my_var"}, "'my_var'"),
        ({"key": "k", "as_env_var": "1VAR"}, "'1VAR'"),
        ({"key": "k", "as_env_var": "MY-VAR"}, "'MY-VAR'"),
        ({"key": ""}, "''"),
        ({"key": "k", "mount": pathlib.Path("/tmp/x")}, "'/tmp/x'"),
    ],
)
def test_invalid_secrets_raise_naming_the_value(kwargs: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError) as info:
        Secret(**kwargs)
    assert named in str(info.value)


def test_non_string_key_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="5"):
        Secret(key=5)


def test_stable_hash_matches_the_reference_sdk() -> None:
    # Values observed from the reference SDK: the hash must not depend on the process.
    assert Secret("k").stable_hash() == "eb07b32daef5ab2b2da41e8d5cd4be47e63ba1afbc781852edfc10918c9927a9"
    assert (
        Secret(key="k", group="g").stable_hash() == "1dff3b702fe6c0c4b1f696a6ff09d80a6eef5c27bf329577dbcfc8f784de088c"
    )


def test_equal_secrets_hash_equal() -> None:
    assert Secret("k") == Secret("k")
    assert hash(Secret("k")) == hash(Secret("k"))
    assert len({Secret("k"), Secret("k"), Secret("j")}) == 2


@pytest.mark.parametrize(
    ("request_", "keys"),
    [
        ("a", ["a"]),
        (Secret("a", group="g"), ["a"]),
        (["a", Secret("b")], ["a", "b"]),
        (("a", "b"), ["a", "b"]),
        ([], []),
        (None, []),
    ],
)
def test_secrets_from_request(request_: object, keys: list[str]) -> None:
    secrets = secrets_from_request(request_)
    assert [s.key for s in secrets] == keys
    assert all(isinstance(s, Secret) for s in secrets)


def test_secrets_from_request_keeps_given_secret() -> None:
    secret = Secret("a", as_env_var="A_VAR")
    assert secrets_from_request([secret]) == [secret]
    assert secrets_from_request("a") == [Secret("a")]


@pytest.mark.parametrize("bad", [5, [5], {"a": "b"}])
def test_secrets_from_request_rejects_other_types(bad: object) -> None:
    with pytest.raises(TypeError, match=r"5|'a'"):
        secrets_from_request(bad)
