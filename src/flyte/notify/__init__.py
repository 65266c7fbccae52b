"""Notifications sent when a run ends: e-mail, Slack, Microsoft Teams and plain webhooks.

Give them to a run with ``flyte.with_runcontext(notifications=...)``::

    alert = flyte.notify.Slack(on_phase=ActionPhase.FAILED, webhook_url="https://hooks.slack.com/...")
    flyte.with_runcontext(notifications=alert).run(main)

A local run sends them itself when it ends in one of a notification's phases: webhooks over HTTP,
e-mail through the SMTP server on ``localhost:25``. A notification that cannot be delivered is
reported as a warning; it never changes the run's outcome.

Texts may use the run's variables, in either spelling: ``{{.Run.Name}}`` / ``{run.name}``,
``{{.Run.Project}}`` / ``{project}``, ``{{.Run.Domain}}`` / ``{domain}``, ``{{.Phase}}`` /
``{run.phase}``, ``{{.Error}}`` / ``{run.error}``, ``{{.Task.Name}}`` / ``{task.name}``.
"""

from flyte.notify._notifiers import Email, NamedDelivery, NamedRule, Notification, Slack, Teams, Webhook

__all__ = ["Email", "NamedDelivery", "NamedRule", "Notification", "Slack", "Teams", "Webhook"]
