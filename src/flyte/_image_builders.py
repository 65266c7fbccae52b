"""Image builders of one's own: ``flyte.extend.ImageBuilder`` and the engine choosing one.

flyte builds images itself (see :mod:`flyte._build`): on the configured server, else on this
machine. A team with its own build service plugs it in as a builder: an object with an async
``build_image(image, dry_run)`` returning the image's URI. Builders are registered by name with
:meth:`ImageBuildEngine.register`, or installed as entry points of the group
``flyte.plugins.image_builders``; ``flyte.init(image_builder="name")`` then makes
``flyte.build`` use that builder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal, Optional, Protocol, runtime_checkable

if TYPE_CHECKING:
    from flyte._image import Image

#: The platforms an image may be built for.
Architecture = Literal["linux/amd64", "linux/arm64"]


@runtime_checkable
class ImageChecker(Protocol):
    """Tells whether an image exists in a registry (and under which URI)."""

    @classmethod
    async def image_exists(
        cls, repository: str, tag: str, arch: tuple[Architecture, ...] = ("linux/amd64",)
    ) -> Optional[str]:
        """The URI of ``repository:tag`` if it exists, else None."""


@runtime_checkable
class ImageBuilder(Protocol):
    """A service that builds :class:`flyte.Image` recipes into images."""

    async def build_image(self, image: Image, dry_run: bool = False) -> str:
        """Builds ``image`` (only checks it, with ``dry_run``) and returns its URI."""

    def get_checkers(self) -> Optional[list[type[ImageChecker]]]:
        """Checkers asked whether an image exists before building it; None for none."""


class ImageBuildEngine:
    """Chooses the builder of an image: flyte's own (``"local"``, ``"remote"``) or a named one."""

    #: The builders flyte has itself; any other name is a registered or installed builder.
    ImageBuilderType = Literal["local", "remote"]
    BUILT_IN: ClassVar[tuple[str, ...]] = ("local", "remote")
    _builders: ClassVar[dict[str, ImageBuilder]] = {}

    @classmethod
    def register(cls, name: str, builder: ImageBuilder) -> None:
        """Makes ``builder`` available as ``name`` (for ``flyte.init(image_builder=name)``)."""
        if name in cls.BUILT_IN:
            raise ValueError(f"image builder name '{name}' is flyte's own; choose another")
        if not isinstance(builder, ImageBuilder):
            raise TypeError(f"image builder '{name}' must have build_image() and get_checkers(), got {builder!r}")
        cls._builders[name] = builder

    @classmethod
    def get(cls, name: str) -> ImageBuilder:
        """The builder called ``name``: registered, else installed through an entry point.

        Raises:
            ValueError: no builder has that name.
        """
        builder = cls._builders.get(name)
        if builder is not None:
            return builder
        from flyte._plugins import IMAGE_BUILDERS_GROUP, entry_points

        for entry in entry_points(IMAGE_BUILDERS_GROUP):
            if entry.name == name:
                loaded: Any = entry.load()
                builder = loaded() if isinstance(loaded, type) else loaded
                cls.register(name, builder)
                return cls._builders[name]
        known = sorted({*cls.BUILT_IN, *cls._builders, *(e.name for e in entry_points(IMAGE_BUILDERS_GROUP))})
        raise ValueError(f"no image builder named '{name}'; known builders: {', '.join(known)}")

    @classmethod
    async def image_exists(cls, image: Image, builder: str) -> Optional[str]:
        """The URI of ``image`` if one of ``builder``'s checkers finds it, else None."""
        repository, _, tag = image.uri.rpartition(":")
        for checker in cls.get(builder).get_checkers() or []:
            found = await checker.image_exists(repository, tag)
            if found:
                return found
        return None

    @classmethod
    async def build(cls, image: Image, builder: str, dry_run: bool = False, force: bool = False) -> str:
        """Builds ``image`` with the named (not built-in) ``builder`` and returns its URI; an image
        a checker already finds is not built again unless ``force``."""
        if not force and not dry_run:
            existing = await cls.image_exists(image, builder)
            if existing:
                return existing
        return await cls.get(builder).build_image(image, dry_run=dry_run)
