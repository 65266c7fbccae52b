"""How flyte turns the values of typed inputs and outputs into data and back.

flyte converts the common types itself: ``int``, ``float``, ``str``, ``bool``, ``bytes``,
``None``, ``datetime``, ``date``, ``time``, ``timedelta``, enums, ``Literal``, lists, sets,
dicts, tuples, ``Optional`` and ``Union``, dataclasses, pydantic models, ``TypedDict`` and
``NamedTuple``, nested in any way. Values of any other type are pickled with cloudpickle,
and a warning says so once per type.

To store a type of your own portably, give flyte a transformer for it::

    from flyte.types import TypeEngine, TypeTransformer, TypeTransformerFailedError


    class Point:
        def __init__(self, x: float, y: float) -> None:
            self.x, self.y = x, y


    class PointTransformer(TypeTransformer[Point]):
        def __init__(self) -> None:
            super().__init__("Point", Point)

        def to_literal(self, value: Point) -> list[float]:
            if not isinstance(value, Point):
                raise TypeTransformerFailedError(f"expected Point, got {type(value).__name__}")
            return [value.x, value.y]

        def to_python_value(self, literal: list[float]) -> Point:
            return Point(*literal)


    TypeEngine.register(PointTransformer())

A literal may be ``None``, a ``bool``, an ``int``, a ``float``, a ``str``, ``bytes``, or a
list or dict of literals. From then on every task input or output typed ``Point`` (or
``list[Point]``, ``dict[str, Point]``...) uses the transformer.


To send a value pickled on purpose, annotate it ``FlytePickle`` (or ``FlytePickle[T]``, which
also checks that it is a ``T``). :func:`literal_string_repr` renders literals readably, and
:func:`guess_interface` rebuilds a task's interface from its literal types (the
:meth:`TypeEngine.to_literal_type` texts) when the task's code is not at hand.
"""

from flyte._internal.serde import TypeEngine, TypeTransformer, TypeTransformerFailedError
from flyte._internal.serde._pickle import FlytePickle

from ._interface import guess_interface
from ._renderer import Renderable
from ._string_literals import literal_string_repr

__all__ = [
    "FlytePickle",
    "Renderable",
    "TypeEngine",
    "TypeTransformer",
    "TypeTransformerFailedError",
    "guess_interface",
    "literal_string_repr",
]
