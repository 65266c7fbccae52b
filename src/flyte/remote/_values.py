"""Reading what the server stores: encoded inputs and outputs, and errors, as Python values.

With the task's code at hand, payloads are decoded with its interface, exactly as in the run:
only types that are stored pickled are unpickled. Without it (a run fetched by name), literals
are decoded generically: msgpack-native values (numbers, strings, bytes, lists, dicts, None)
come back as they are, so plain types read the same; records come back as dicts of their
fields, tuples as lists, and pickled values as :class:`PickledValue` placeholders. Unpickling
runs code chosen by whoever wrote the value, so it happens only when asked for
(``unpickle=True`` or :meth:`PickledValue.unpickle`).
"""

from __future__ import annotations

import functools
import pickletools
from typing import TYPE_CHECKING, Any, NamedTuple

import msgpack

from flyte._internal.model.errors import error_from_record
from flyte._internal.model.offload import from_stored
from flyte._internal.serde import unpack
from flyte._internal.serde._codec import PICKLE_EXT_CODE
from flyte._internal.serde._pickle import unpickle_literal
from flyte._run import ActionOutputs, _as_outputs, _returns_tuple

if TYPE_CHECKING:
    from flyte._internal import wire
    from flyte._task import AsyncFunctionTaskTemplate
    from flyte.errors import BaseRuntimeError

__all__ = ["PickledValue", "decode_inputs", "decode_literal", "decode_outputs", "error_from_info"]

_UNKNOWN_TYPE = "unknown type"


class PickledValue:
    """A pickled value left as it is: rebuilding it would run code named by its writer.

    It shows the type the pickle would build, read from its opcodes without executing any
    (``<pickled mymod.Point, 57 bytes>``). :meth:`unpickle` rebuilds the value, running that code.
    """

    def __init__(self, data: bytes) -> None:
        #: The pickle's bytes.
        self.data = data

    @property
    def size(self) -> int:
        """The pickle's length in bytes."""
        return len(self.data)

    @functools.cached_property
    def type_name(self) -> str:
        """The dotted name of the class the pickle instantiates (or of the function it calls to
        build the value), or ``"unknown type"`` when the opcodes do not tell.

        A class that cloudpickle stored by value (one defined in ``__main__`` or in a function)
        has no importable name: its instances read as ``"unknown type"``.
        """
        return _pickled_type(self.data) or _UNKNOWN_TYPE

    def unpickle(self) -> Any:
        """Rebuilds the value by unpickling it.

        This RUNS CODE: a pickle calls whatever functions its writer chose, with the reader's
        rights. Call it only for values written by code you trust.
        """
        return unpickle_literal(msgpack.ExtType(PICKLE_EXT_CODE, self.data))

    def __repr__(self) -> str:
        return f"<pickled {self.type_name}, {self.size} bytes>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PickledValue) and other.data == self.data

    def __hash__(self) -> int:
        return hash(("PickledValue", self.data))


class _Entry(NamedTuple):
    """What the opcode scan knows of one item of the unpickler's stack."""

    #: ``mark``, ``text`` (a pushed string), ``global`` (a class or function looked up by
    #: name) or ``value`` (anything else).
    kind: str
    #: The string of a ``text``, the dotted name of a ``global``, the type name of a ``value``.
    name: str | None


_MARK = _Entry("mark", None)
_UNKNOWN = _Entry("value", None)
# Opcodes that build a value from a class or callable, the first item they take off the stack.
_BUILDERS = frozenset({"REDUCE", "NEWOBJ", "NEWOBJ_EX", "OBJ"})
# Opcodes that update the first item they take and put it back.
_UPDATERS = frozenset({"APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS", "BUILD", "READONLY_BUFFER"})
_GETS = frozenset({"GET", "BINGET", "LONG_BINGET"})
_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
# pickletools' names of the values some opcodes push, as the types they unpickle to.
_PUSHED_TYPES = {"int_or_bool": "int", "bytes_or_str": "str", "None": "NoneType", "any": None}


def _pickled_type(data: bytes) -> str | None:
    """The type name of the value ``data`` unpickles to, found without unpickling it.

    The unpickler's stack is replayed symbolically over the opcodes (and its memo too, so
    names that protocol 4+ pushes once and fetches again are followed): the value left at
    ``STOP`` is typed by the class or function that built it.
    """
    stack: list[_Entry] = []
    memo: dict[int, _Entry] = {}
    arg: Any  # the opcode's argument: an int for memo opcodes, "module name" for GLOBAL and INST
    try:
        for opcode, arg, _ in pickletools.genops(data):
            taken = _take(stack, opcode)
            name = opcode.name
            if name == "STOP":
                top = taken[0]
                return "str" if top.kind == "text" else top.name
            if name in _GETS:
                stack.append(memo.get(arg, _UNKNOWN))
            elif name in _PUTS:
                memo[arg] = stack[-1]
            elif name == "MEMOIZE":
                memo[len(memo)] = taken[0]
                stack.append(taken[0])
            elif name in _UPDATERS:
                stack.append(taken[0])
            elif name == "DUP":
                stack.extend((taken[0], taken[0]))
            elif name == "GLOBAL":
                stack.append(_Entry("global", ".".join(arg.split(" ", 1))))
            elif name == "STACK_GLOBAL":
                module, qualname = taken
                known = module.kind == "text" and qualname.kind == "text"
                stack.append(_Entry("global", f"{module.name}.{qualname.name}" if known else None))
            elif name == "INST":
                stack.append(_Entry("value", ".".join(arg.split(" ", 1))))
            elif name in _BUILDERS:
                callee = taken[0]
                stack.append(_Entry("value", callee.name if callee.kind == "global" else None))
            else:
                stack.extend(_pushed(kind.name, arg) for kind in opcode.stack_after)
    # pickletools' readers raise assorted errors on malformed data (ValueError, UnicodeError,
    # struct.error...), and a forged pickle can underflow the stack: either way, no type.
    except Exception:
        return None
    return None


def _take(stack: list[_Entry], opcode: pickletools.OpcodeInfo) -> list[_Entry]:
    """Removes and returns the items ``opcode`` takes off the stack, bottom first."""
    before = opcode.stack_before
    if pickletools.markobject in before:
        # Searching from the top costs only the items above the mark, which are taken: the
        # scan stays linear in the pickle's length, however a forged one nests its marks.
        mark = len(stack) - 1
        while mark >= 0 and stack[mark].kind != "mark":
            mark -= 1
        if mark < 0:
            raise ValueError("no mark on the stack")
        above = stack[mark + 1 :]
        del stack[mark:]
        # Items under the mark that the opcode also takes: the list APPENDS extends, say.
        under = before.index(pickletools.markobject)
    else:
        above = []
        under = len(before)
    if under > len(stack):
        raise IndexError("stack underflow")
    taken = stack[len(stack) - under :] + above
    del stack[len(stack) - under :]
    return taken


def _pushed(kind: str, arg: Any) -> _Entry:
    if kind == "mark":
        return _MARK
    if kind == "str" and isinstance(arg, str):
        return _Entry("text", arg)
    return _Entry("value", _PUSHED_TYPES.get(kind, kind))


def decode_literal(literal: Any, *, unpickle: bool = False) -> Any:
    """A literal as a plain Python value, without knowing its type.

    Pickled values become :class:`PickledValue` placeholders unless ``unpickle`` is true, which
    runs their code: only for values whose writers you trust.
    """
    if isinstance(literal, msgpack.ExtType):
        if literal.code != PICKLE_EXT_CODE:
            return literal  # no meaning known to decode it by
        return unpickle_literal(literal) if unpickle else PickledValue(literal.data)
    if isinstance(literal, list):
        return [decode_literal(item, unpickle=unpickle) for item in literal]
    if isinstance(literal, dict):
        return {key: decode_literal(value, unpickle=unpickle) for key, value in literal.items()}
    return literal


def decode_inputs(
    payload: bytes | None,
    task: AsyncFunctionTaskTemplate[Any, Any, Any] | None = None,
    *,
    unpickle: bool = False,
) -> dict[str, Any]:
    """The named inputs of a stored inputs payload (offloaded payloads are fetched).

    With ``task``, its declared types decide what is unpickled and ``unpickle`` is not used;
    without it, see :func:`decode_literal`.
    """
    if payload is None:
        return {}
    blob = from_stored(payload)
    if task is not None:
        return task.interface.decode_inputs(blob)
    literals = unpack(blob)
    return {str(name): decode_literal(lit, unpickle=unpickle) for name, lit in literals.items()}


def decode_outputs(
    payload: bytes | None,
    task: AsyncFunctionTaskTemplate[Any, Any, Any] | None = None,
    *,
    unpickle: bool = False,
) -> ActionOutputs:
    """The outputs of a stored outputs payload, as local runs return them.

    With the task, a tuple result becomes several outputs and its declared types decide what
    is unpickled (``unpickle`` is not used); without it the result is one output (``o0``),
    since nothing tells a tuple from a list, decoded as :func:`decode_literal` does.
    """
    if payload is None:
        return ActionOutputs((None,))
    blob = from_stored(payload)
    if task is not None:
        return _as_outputs(task.interface.decode_output(blob), _returns_tuple(task))
    return ActionOutputs((decode_literal(unpack(blob), unpickle=unpickle),))


def error_from_info(info: wire.ErrorInfo) -> BaseRuntimeError:
    """The flyte error an action's stored error stands for, with its traceback."""
    return error_from_record(info.code, info.kind, info.message, info.traceback)
