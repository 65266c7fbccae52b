"""The type engine: Python values to msgpack-able literals and back, and task interfaces.

Each type family has its own module; :class:`TypeEngine` picks the transformer of a type and
:class:`NativeInterface` encodes a task's inputs and output with them. Importing this package
is cheap: pydantic is never imported here and cloudpickle only on the first pickled value.
"""

from ._base import TypeTransformer, TypeTransformerFailedError
from ._codec import hash_bytes, pack, unpack
from ._engine import TypeEngine
from ._interface import NativeInterface

__all__ = [
    "NativeInterface",
    "TypeEngine",
    "TypeTransformer",
    "TypeTransformerFailedError",
    "hash_bytes",
    "pack",
    "unpack",
]
