"""Building images: ``flyte.build`` and ``flyte.build_images``.

An image is built where its tasks will run: on the configured server when there is one (the
server builds it into the environment its workers use), else on this machine, under the flyte
home. Either way the recipe becomes a virtual environment (see :mod:`flyte._internal.imagebuild`),
and building a built image again costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flyte._syncify import syncify

if TYPE_CHECKING:
    from flyte._environment import Environment
    from flyte._image import Image

__all__ = ["ImageBuild", "ImageCache", "build", "build_images"]


@dataclass(frozen=True)
class ImageBuild:
    """The result of a build: the image's URI, and where its environment's Python is (None for an
    image that adds nothing to the default environment, or a dry run)."""

    uri: str | None
    remote_run: Any = None
    python: str | None = None


@dataclass(frozen=True)
class ImageCache:
    """The images built for environments: image URI by environment name."""

    image_lookup: dict[str, str] = field(default_factory=dict)


@syncify
async def build(image: Image, dry_run: bool = False, force: bool = False, wait: bool = True) -> ImageBuild:
    """Builds ``image`` (on the configured server, else here) and returns its URI.

    ``dry_run`` only checks that the recipe can be sent to a builder; ``force`` rebuilds an image
    that was built before. ``wait`` is accepted for compatibility: a build always completes first.

    Raises:
        ImageBuildError: the build failed; the message ends with the build's log.
    """
    import asyncio

    from flyte._image import Image
    from flyte._internal.imagebuild import image_spec

    if not isinstance(image, Image):
        raise TypeError(f"flyte.build expects a flyte.Image, got {type(image).__name__}")
    image.validate()
    builder = _custom_builder()
    if builder is not None:
        from flyte._image_builders import ImageBuildEngine

        return ImageBuild(uri=await ImageBuildEngine.build(image, builder, dry_run=dry_run, force=force))
    spec = image_spec(image)
    if spec is None or dry_run:
        return ImageBuild(uri=image.uri)
    endpoint = _endpoint()
    if endpoint is not None:
        from flyte._internal.client import client_for

        built = await asyncio.to_thread(client_for(endpoint).build_image, spec, force)
        return ImageBuild(uri=built.uri)
    from flyte._home import flyte_home
    from flyte._internal.imagebuild import ImageBuilder

    local = await asyncio.to_thread(ImageBuilder(flyte_home() / "images").build, spec, force=force)
    return ImageBuild(uri=image.uri, python=str(local.python))


def _custom_builder() -> str | None:
    """The image builder plugin ``flyte.init(image_builder=...)`` named, if it named one."""
    from flyte._image_builders import ImageBuildEngine
    from flyte._initialize import _state

    name = _state.image_builder if _state is not None else "local"
    return None if name in ImageBuildEngine.BUILT_IN else name


@syncify
async def build_images(*envs: Environment) -> ImageCache:
    """Builds the images of ``envs`` and of the environments they depend on."""
    from flyte._image import Image

    lookup: dict[str, str] = {}
    seen: set[int] = set()
    pending = list(envs)
    while pending:
        env = pending.pop(0)
        if id(env) in seen:
            continue
        seen.add(id(env))
        pending.extend(getattr(env, "depends_on", []))
        image = getattr(env, "image", None)
        if isinstance(image, Image):
            result = await build.aio(image)
            lookup[env.name] = result.uri or image.uri
        elif isinstance(image, str) and image != "auto":
            lookup[env.name] = image
    return ImageCache(lookup)


def _endpoint() -> str | None:
    from flyte._initialize import get_init_state

    endpoint: str | None = get_init_state().endpoint
    return endpoint
