"""Secrets: a task asks for a secret by key and reads it from an environment variable.

Provide the secret first, either stored locally with ``flyte create secret MY_SECRET_KEY
my_secret_value`` or as the variable ``MY_SECRET_KEY`` in the environment of the run. Then run
``flyte run --local examples/secrets_example.py main`` or ``python examples/secrets_example.py``. The task sees
the value as ``MY_SECRET_ENV_VAR``; it never returns or prints it, only reports that it is set.
"""

import os

import flyte

env = flyte.TaskEnvironment(
    secrets=[
        flyte.Secret(key="MY_SECRET_KEY", as_env_var="MY_SECRET_ENV_VAR"),
    ]
)


@env.task
def secure_task() -> int:
    """Use the secret; return only its length, never the value."""
    secret_value = os.getenv("MY_SECRET_ENV_VAR")
    # Use secret_value safely: here we only measure it.
    return len(secret_value or "")


@env.task
def main() -> str:
    """Report whether ``secure_task`` received the secret."""
    length = secure_task()
    return f"MY_SECRET_ENV_VAR is set ({length} characters)" if length else "MY_SECRET_ENV_VAR is not set"


if __name__ == "__main__":
    flyte.init_from_config()
    print(flyte.with_runcontext(mode="local").run(main).outputs())
