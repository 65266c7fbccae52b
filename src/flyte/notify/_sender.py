"""Sending a local run's notifications when it ends: webhooks over HTTP, e-mail over SMTP.

Nothing here may change a run's outcome: every failure to deliver becomes a warning.
"""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Union

from flyte._internal.model.phases import ActionPhase
from flyte.notify._notifiers import Email, NamedDelivery, NamedRule, Notification, Slack, Teams, Webhook

logger = logging.getLogger("flyte")

#: Seconds a delivery may take before it is given up.
DELIVERY_TIMEOUT_S = 10.0
_SMTP_HOST, _SMTP_PORT = "localhost", 25

Notifications = Union[NamedRule, Notification, tuple[Notification, ...], list[Notification]]


@dataclass(frozen=True)
class RunEnd:
    """What a notification may say about the run that ended."""

    run_name: str
    task_name: str
    project: str
    domain: str
    phase: ActionPhase
    error: str = ""

    def variables(self) -> dict[str, str]:
        """Each variable under both its spellings (``{{.Run.Name}}`` and ``{run.name}``)."""
        values = {
            ("Run.Name", "run.name"): self.run_name,
            ("Run.Project", "project"): self.project,
            ("Run.Domain", "domain"): self.domain,
            ("Phase", "run.phase"): self.phase.value,
            ("Error", "run.error"): self.error,
            ("Task.Name", "task.name"): self.task_name,
        }
        found = {}
        for (go_name, short_name), value in values.items():
            found[go_name] = found[short_name] = value
        return found


_GO_VARIABLE = re.compile(r"\{\{\s*\.([\w.]+)\s*\}\}")
_SHORT_VARIABLE = re.compile(r"\{([a-z][\w.]*)\}")


def render(value: Any, variables: dict[str, str]) -> Any:
    """``value`` with the run's variables filled in, through nested dicts and lists."""
    if isinstance(value, str):
        text = _GO_VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), value)
        return _SHORT_VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)
    if isinstance(value, dict):
        return {k: render(v, variables) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render(v, variables) for v in value]
    return value


def check_local(notifications: Notifications | None) -> tuple[Notification, ...]:
    """The notifications a local run sends. Named rules and deliveries live in a server's
    settings, so a local run refuses them (:class:`~flyte.errors.ConfigError`)."""
    from flyte.errors import ConfigError

    if notifications is None:
        return ()
    items = notifications if isinstance(notifications, (tuple, list)) else (notifications,)
    for item in items:
        if isinstance(item, (NamedRule, NamedDelivery)):
            raise ConfigError(
                f"flyte.with_runcontext: {type(item).__name__} '{item.name}' is configured on a server; "
                "a local run can send Email, Slack, Teams and Webhook notifications"
            )
        if not isinstance(item, Notification):
            raise ConfigError(f"flyte.with_runcontext: notifications takes flyte.notify objects, got {item!r}")
    return tuple(items)  # type: ignore[arg-type]


async def send(notifications: tuple[Notification, ...], end: RunEnd) -> None:
    """Sends those of ``notifications`` that fire on the run's final phase."""
    variables = end.variables()
    for notification in notifications:
        if end.phase not in notification.phases:
            continue
        try:
            await _deliver(notification, variables)
        except Exception as exc:
            logger.warning(
                "Run %s: the %s notification was not delivered: %s", end.run_name, type(notification).__name__, exc
            )


async def _deliver(notification: Notification, variables: dict[str, str]) -> None:
    if isinstance(notification, Email):
        await asyncio.to_thread(_send_email, notification, variables)
        return
    if isinstance(notification, Slack):
        payload: dict[str, Any] = {"text": render(notification.message or "Run {{.Run.Name}} {{.Phase}}", variables)}
        if notification.blocks:
            payload["blocks"] = render(list(notification.blocks), variables)
        await _request("POST", notification.webhook_url, None, payload)
    elif isinstance(notification, Teams):
        card = notification.card or {
            "title": notification.title,
            "text": notification.message or "Run {{.Run.Name}} ended {{.Phase}}. {{.Error}}",
        }
        await _request("POST", notification.webhook_url, None, render(card, variables))
    elif isinstance(notification, Webhook):
        await _request(
            notification.method,
            render(notification.url, variables),
            render(notification.headers or {}, variables),
            render(notification.body, variables) if notification.body is not None else None,
        )


async def _request(method: str, url: str, headers: dict[str, str] | None, body: Any) -> None:
    import httpx

    async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT_S) as client:
        response = await client.request(method, url, headers=headers, json=body)
    if response.status_code >= 400:
        raise RuntimeError(f"{method} {url} answered {response.status_code}")


def _send_email(notification: Email, variables: dict[str, str]) -> None:
    message = EmailMessage()
    message["Subject"] = render(notification.subject, variables)
    message["From"] = "flyte@localhost"
    message["To"] = ", ".join(notification.recipients)
    if notification.cc:
        message["Cc"] = ", ".join(notification.cc)
    message.set_content(render(notification.body, variables))
    if notification.html_body:
        message.add_alternative(render(notification.html_body, variables), subtype="html")
    recipients = [*notification.recipients, *notification.cc, *notification.bcc]
    with smtplib.SMTP(_SMTP_HOST, _SMTP_PORT, timeout=DELIVERY_TIMEOUT_S) as smtp:
        smtp.send_message(message, to_addrs=recipients)
