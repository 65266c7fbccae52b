"""Images made real without containers: a recipe becomes a virtual environment built with uv.

:mod:`._spec` turns a :class:`flyte.Image` into the wire form a server builds from (the contents
of the local files it reads included); :mod:`._venv` builds that form into a cached virtual
environment; :mod:`._dockerfile` renders the same recipe as a Dockerfile.
"""

from flyte._internal.imagebuild._spec import environment_images, image_spec
from flyte._internal.imagebuild._venv import BuiltImage, ImageBuilder

__all__ = ["BuiltImage", "ImageBuilder", "environment_images", "image_spec"]
