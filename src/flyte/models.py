"""The SDK's data models: identities of actions, a task's context and interface, and the small
records plugins and type transformers are handed.

Most of these are the same objects flyte uses itself (``ActionID``, ``TaskContext``,
``NativeInterface``, ``ActionPhase``); the others describe things a task plugin may be given.
"""

from __future__ import annotations

import enum
import os
import re
import secrets
import tempfile
import typing
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Optional

from flyte._context import ActionID, TaskContext
from flyte._internal.model.phases import ActionPhase
from flyte._internal.serde import NativeInterface

__all__ = [
    "CLUSTERED_WORKER_ENV",
    "MAX_INLINE_IO_BYTES",
    "NULL_TASK_CONTEXT",
    "ActionID",
    "ActionPhase",
    "CallCounter",
    "CheckpointPaths",
    "CodeBundle",
    "Docstring",
    "GroupData",
    "NativeInterface",
    "PathRewrite",
    "RawDataPath",
    "SerializationContext",
    "TaskContext",
    "extract_return_annotation",
    "generate_random_name",
    "is_clustered_worker_env",
    "literal_to_enum",
]

#: The largest input or output kept inline with an action's record (10 MiB), as in the SDK.
MAX_INLINE_IO_BYTES = 10 * 1024 * 1024
#: The variable a multi-node (clustered) worker process is started with.
CLUSTERED_WORKER_ENV = "FLYTE_CLUSTERED_WORKER"
#: What ``flyte.ctx()`` means outside any task: nothing.
NULL_TASK_CONTEXT = None


def generate_random_name() -> str:
    """A new random name (a UUID), as for actions made outside a run."""
    return str(uuid.uuid4())


def is_clustered_worker_env(env: Optional[typing.Mapping[str, str]] = None) -> bool:
    """Whether ``env`` (default: this process's environment) marks a clustered worker."""
    value = (os.environ if env is None else env).get(CLUSTERED_WORKER_ENV, "")
    return value.strip().lower() in ("1", "true", "yes")


def extract_return_annotation(return_annotation: Any) -> dict[str, Any]:
    """``name -> type`` of the outputs a return annotation declares: ``o0``, ``o1``... for a value
    or a tuple's items, a NamedTuple's field names; empty for ``None``."""
    if return_annotation is None or return_annotation is type(None):
        return {}
    return NativeInterface({}, return_annotation, has_return_annotation=True).outputs


def literal_to_enum(literal_type: Any) -> Any:
    """An Enum class of the values of ``Literal[...]``; other types are returned unchanged."""
    if typing.get_origin(literal_type) is not typing.Literal:
        return literal_type
    values = typing.get_args(literal_type)
    return enum.Enum("LiteralEnum", {str(v): v for v in values})


@dataclass(frozen=True)
class GroupData:
    """The group (``flyte.group``) an action runs in."""

    name: str


@dataclass(frozen=True)
class CheckpointPaths:
    """Where a task reads its previous attempt's checkpoint from and writes its own."""

    prev_checkpoint_path: Optional[str] = None
    checkpoint_path: Optional[str] = None


@dataclass(frozen=True)
class PathRewrite:
    """Rewrites paths beginning with ``old_prefix`` to begin with ``new_prefix``."""

    old_prefix: str
    new_prefix: str

    @classmethod
    def from_str(cls, text: str) -> PathRewrite:
        """Parses ``"old->new"``.

        Raises:
            ValueError: the text has no ``->``.
        """
        old, sep, new = text.partition("->")
        if not sep or not old.strip():
            raise ValueError(f"a path rewrite is written 'old->new', got {text!r}")
        return cls(old.strip(), new.strip())


@dataclass(frozen=True)
class RawDataPath:
    """The prefix a task writes its files and folders under."""

    path: str
    path_rewrite: Optional[PathRewrite] = None

    @classmethod
    def from_local_folder(cls, local_folder: Optional[str | Path] = None) -> RawDataPath:
        """A raw-data path in ``local_folder`` (a new temporary folder when None)."""
        folder = Path(local_folder) if local_folder is not None else Path(tempfile.mkdtemp(prefix="flyte-raw-"))
        folder.mkdir(parents=True, exist_ok=True)
        return cls(str(folder.absolute()))

    def get_random_remote_path(self, file_name: Optional[str] = None) -> str:
        """A new unique path under this prefix, ending in ``file_name`` when given."""
        base = f"{self.path.rstrip('/')}/{secrets.token_hex(8)}"
        return f"{base}/{file_name}" if file_name else base


@dataclass(frozen=True, kw_only=True)
class CodeBundle:
    """The user's code shipped with a run: a tarball (``tgz``) or a pickled task (``pkl``)."""

    computed_version: str
    destination: str = "."
    tgz: Optional[str] = None
    pkl: Optional[str] = None
    downloaded_path: Optional[Path] = None
    files: Optional[list[str]] = None

    def with_downloaded_path(self, path: Path) -> CodeBundle:
        """This bundle, recorded as unpacked at ``path``."""
        return replace(self, downloaded_path=path)


@dataclass(frozen=True, kw_only=True)
class SerializationContext:
    """What a task plugin is told when its settings are recorded (``custom_config(sctx)``)."""

    version: str
    project: Optional[str] = None
    domain: Optional[str] = None
    org: Optional[str] = None
    code_bundle: Optional[CodeBundle] = None
    input_path: str = "{{.input}}"
    output_path: str = "{{.outputPrefix}}"
    interpreter_path: str = "/opt/venv/bin/python"
    image_cache: Optional[Any] = None
    root_dir: Optional[Path] = None

    def get_entrypoint_path(self, interpreter_path: Optional[str] = None) -> str:
        """The path of the ``flyte`` entry point next to the interpreter."""
        python = Path(interpreter_path or self.interpreter_path)
        return str(python.parent / "flyte")


class CallCounter:
    """Numbers the calls an action makes, in order (0, 1, 2 ...)."""

    def __init__(self) -> None:
        self._next = 0

    def next(self) -> int:
        """The next call's number."""
        value = self._next
        self._next += 1
        return value


_SECTION = re.compile(r"^(Args|Arguments|Parameters|Returns|Return|Yields|Raises):\s*$")
_ENTRY = re.compile(r"^(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


@dataclass
class Docstring:
    """A function's docstring, split into descriptions (Google style ``Args:``/``Returns:``)."""

    docstring: Optional[str] = None
    callable_: Optional[Callable[..., Any]] = None
    short_description: str = field(init=False, default="")
    long_description: str = field(init=False, default="")
    input_descriptions: dict[str, str] = field(init=False, default_factory=dict)
    output_descriptions: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        import inspect

        text = self.docstring
        if text is None and self.callable_ is not None:
            text = inspect.getdoc(self.callable_)
        lines = inspect.cleandoc(text or "").splitlines()
        body: list[str] = []
        section = ""
        for line in lines:
            header = _SECTION.match(line.strip())
            if header:
                section = header.group(1)
                continue
            if not section:
                body.append(line)
            elif line.strip() and section in ("Args", "Arguments", "Parameters"):
                self._add_entry(self.input_descriptions, line)
            elif line.strip() and section in ("Returns", "Return", "Yields"):
                self._add_output(line)
        paragraphs = "\n".join(body).strip().split("\n\n", 1)
        self.short_description = paragraphs[0].strip()
        self.long_description = paragraphs[1].strip() if len(paragraphs) > 1 else ""

    def _add_output(self, line: str) -> None:
        # "name: text" names an output; bare text describes the single output o0.
        entry = _ENTRY.match(line.strip())
        if entry and not self.output_descriptions.get("o0"):
            self.output_descriptions[entry.group(1)] = entry.group(2).strip()
        else:
            self.output_descriptions["o0"] = f"{self.output_descriptions.get('o0', '')} {line.strip()}".strip()

    @staticmethod
    def _add_entry(into: dict[str, str], line: str) -> None:
        entry = _ENTRY.match(line.strip())
        if entry and not line.startswith("        "):
            into[entry.group(1).lstrip("*")] = entry.group(2).strip()
        elif into:
            last = next(reversed(into))
            into[last] = f"{into[last]} {line.strip()}".strip()
