"""The kinds of notification a run can send, and when (``on_phase``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Literal, Optional, Tuple, Union

from flyte._internal.model.phases import ActionPhase

#: The phases a run can end in; a notification fires on some of them.
NOTIFIABLE_PHASES = (ActionPhase.SUCCEEDED, ActionPhase.FAILED, ActionPhase.ABORTED, ActionPhase.TIMED_OUT)

_DEFAULT_SUBJECT = "Run {{.Run.Name}} {{.Phase}}"
_DEFAULT_BODY = (
    "Run: {{.Run.Name}}\nProject/Domain: {{.Run.Project}}/{{.Run.Domain}}\nPhase: {{.Phase}}\nError: {{.Error}}\n"
)

HttpMethod = Literal["POST", "PUT", "PATCH", "GET", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT"]


@dataclass(frozen=True)
class NamedRule:
    """A set of notifications configured on a server under ``name``."""

    name: str

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("NamedRule: the rule's name must not be empty")


@dataclass(frozen=True, kw_only=True)
class Notification:
    """Something sent when a run ends in one of ``on_phase`` (one phase or several)."""

    on_phase: Union[ActionPhase, Tuple[ActionPhase, ...]]

    def __post_init__(self) -> None:
        phases = self.on_phase if isinstance(self.on_phase, (tuple, list)) else (self.on_phase,)
        normalized = []
        for phase in phases:
            try:
                normalized.append(ActionPhase(str(phase).upper()) if not isinstance(phase, ActionPhase) else phase)
            except ValueError:
                raise ValueError(f"{type(self).__name__}: {phase!r} is not a phase") from None
        if not normalized:
            raise ValueError(f"{type(self).__name__}: on_phase needs at least one phase")
        for phase in normalized:
            if phase not in NOTIFIABLE_PHASES:
                names = ", ".join(p.value for p in NOTIFIABLE_PHASES)
                raise ValueError(f"{type(self).__name__}: a run cannot end in {phase.value}; use {names}")
        object.__setattr__(self, "on_phase", tuple(normalized))

    @property
    def phases(self) -> Tuple[ActionPhase, ...]:
        """The phases this notification fires on."""
        return self.on_phase  # type: ignore[return-value]


@dataclass(frozen=True, kw_only=True)
class NamedDelivery(Notification):
    """A delivery channel configured on a server under ``name``."""

    name: str


@dataclass(frozen=True, kw_only=True)
class Email(Notification):
    """An e-mail to ``recipients`` (and ``cc``, ``bcc``)."""

    recipients: Tuple[str, ...]
    cc: Tuple[str, ...] = ()
    bcc: Tuple[str, ...] = ()
    subject: str = _DEFAULT_SUBJECT
    body: str = _DEFAULT_BODY
    html_body: Optional[str] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        for field in ("recipients", "cc", "bcc"):
            value = getattr(self, field)
            object.__setattr__(self, field, (value,) if isinstance(value, str) else tuple(value))
        if not self.recipients:
            raise ValueError("Email: recipients must name at least one address")


@dataclass(frozen=True, kw_only=True)
class Slack(Notification):
    """A message posted to a Slack incoming webhook (``message`` text or ``blocks``)."""

    webhook_url: str
    message: Optional[str] = None
    blocks: Optional[Tuple[Dict[str, Any], ...]] = None


@dataclass(frozen=True, kw_only=True)
class Teams(Notification):
    """A message posted to a Microsoft Teams incoming webhook (a ``title`` and ``message``, or a ``card``)."""

    webhook_url: str
    title: str = _DEFAULT_SUBJECT
    message: Optional[str] = None
    card: Optional[Dict[str, Any]] = None


@dataclass(frozen=True, kw_only=True)
class Webhook(Notification):
    """An HTTP request of one's own: ``url``, ``method``, ``headers`` and a JSON ``body``."""

    url: str
    method: HttpMethod = "POST"
    headers: Optional[Dict[str, str]] = None
    body: Optional[Dict[str, Any]] = None
