"""``flyte prefetch hf-model REPO``: store a Hugging Face model in the object store, in a run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from flyte.cli.main import current_config

if TYPE_CHECKING:
    from flyte.prefetch import ShardConfig

__all__ = ["prefetch"]


@click.group()
def prefetch() -> None:
    """Fetch models into flyte's object store ahead of the tasks that use them."""


def _shard_config(path: Path | None) -> ShardConfig | None:
    if path is None:
        return None
    import yaml
    from pydantic import ValidationError

    from flyte.prefetch import ShardConfig

    try:
        return ShardConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, ValidationError) as e:
        first = str(e).splitlines()[0]
        raise click.BadParameter(f"{path} is not a shard config: {first}", param_hint="--shard-config") from None


@prefetch.command("hf-model", short_help="Store a Hugging Face model in the object store.")
@click.argument("repo")
@click.option("--raw-data-path", help="Where to store the model (default: the run's raw-data store).")
@click.option("--artifact-name", help="Name to publish the model under (default: the repo's name, '.' made '-').")
@click.option("--architecture", help="Model architecture (default: from its config.json).")
@click.option("--task", "model_task", default="auto", show_default=True, help="What the model does: generate, embed...")
@click.option("--modality", multiple=True, default=("text",), show_default=True, help="A kind of data it takes.")
@click.option("--format", "serial_format", help="How its weights are stored, e.g. safetensors.")
@click.option("--model-type", help="Model type (default: from its config.json).")
@click.option("--short-description", help="A line describing the model.")
@click.option("--force", type=click.IntRange(min=0), default=0, show_default=True, help="Raise it to store it again.")
@click.option("--wait", is_flag=True, help="Wait for the model to be stored, and print where it is.")
@click.option(
    "--hf-token-key",
    default="HF_TOKEN",
    show_default=True,
    help="Secret holding a Hugging Face token (its name, not the token); empty for public repositories.",
)
@click.option("--cpu", default="2", show_default=True, help="CPUs of the prefetch task.")
@click.option("--mem", default="8Gi", show_default=True, help="Memory of the prefetch task.")
@click.option("--gpu", help="GPUs of the prefetch task, as TYPE:COUNT (e.g. A100:8) or a count.")
@click.option(
    "--shard-config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML file of a flyte.prefetch.ShardConfig (engine: vllm, args: ...).",
)
def hf_model(
    repo: str,
    raw_data_path: str | None,
    artifact_name: str | None,
    architecture: str | None,
    model_task: str,
    modality: tuple[str, ...],
    serial_format: str | None,
    model_type: str | None,
    short_description: str | None,
    force: int,
    wait: bool,
    hf_token_key: str,
    cpu: str,
    mem: str,
    gpu: str | None,
    shard_config: Path | None,
) -> None:
    """Download the Hugging Face repository REPO and store it in the object store, in a run
    (local, or on the configured server); later runs read the model from there.

    \b
        flyte prefetch hf-model Qwen/Qwen3-0.6B --hf-token-key HF_TOKEN --wait
    """
    import flyte
    import flyte.prefetch

    flyte.init_from_config(current_config())
    shards = _shard_config(shard_config)
    try:
        run = flyte.prefetch.hf_model(
            repo,
            raw_data_path=raw_data_path,
            artifact_name=artifact_name,
            architecture=architecture,
            task=model_task,
            modality=modality,
            serial_format=serial_format,
            model_type=model_type,
            short_description=short_description,
            shard_config=shards,
            hf_token_key=hf_token_key or None,
            resources=flyte.Resources(cpu=cpu, memory=mem, gpu=gpu, disk="50Gi"),
            force=force,
        )
    except (ValueError, TypeError) as e:
        # Arguments hf_model refuses before starting anything (a malformed repo id, say).
        raise click.ClickException(str(e)) from None
    click.echo(f"Prefetching {repo} in run {run.name}: {run.url}")
    if wait:
        run.wait()
        click.echo(f"Stored {repo} at {run.outputs()[0].path}")
