"""Posting an alert to a Slack incoming webhook, through ``slack_sdk`` (the optional ``slack`` extra).

An incoming webhook needs one URL and no bot token, app scopes or channel membership, which is what an alert
wants; ``slack_sdk`` is imported only when an alert is sent, so the project runs without the extra when Slack
is not configured. The URL is a secret (anyone holding it can post): it is read from the environment when an
alert is sent and never appears in an error, and ``slack_sdk`` gets a logger that prints nothing, because it
logs the URL when it retries a request.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

SLACK_EXTRA_INSTALL = "pip install 'ci-sendinblue[slack]'"
SETTING = "alerts.slack_webhook_url_env"

_SILENT = logging.Logger("ci_sendinblue.alerts.slack_webhook", level=logging.CRITICAL + 1)
"""Not registered with ``logging``: nothing reaches the root logger's handlers."""


class SlackAlertError(Exception):
    """The alert could not be delivered; the message says why without the webhook URL."""


def slack_sdk_installed() -> bool:
    """Whether the ``slack`` extra is there, asked without importing it (the configuration checks this)."""
    return importlib.util.find_spec("slack_sdk") is not None


@dataclass(frozen=True)
class SlackWebhook:
    """A Slack incoming webhook whose URL is in the environment variable ``url_env``."""

    url_env: str
    channel: str | None = None
    timeout_seconds: int = 10

    def post(self, text: str) -> None:
        """Send ``text`` (Slack mrkdwn); raise ``SlackAlertError`` unless Slack answers 200."""
        url = self._url()
        from slack_sdk.webhook import WebhookClient

        body: dict[str, str] = {"text": text}
        if self.channel:
            body["channel"] = self.channel
        client = WebhookClient(url, timeout=self.timeout_seconds, logger=_SILENT)
        try:
            response = client.send_dict(body)
        except Exception as error:  # any transport error; its text may hold the URL, so only its type is kept
            raise SlackAlertError(
                f"Slack alert not sent: the webhook in ${self.url_env} could not be reached ({type(error).__name__})"
            ) from None
        if response.status_code != 200:
            answer = str(response.body or "")[:200].replace(url, f"${self.url_env}")
            raise SlackAlertError(f"Slack alert not sent: the webhook answered {response.status_code} {answer!r}")

    def _url(self) -> str:
        url = os.environ.get(self.url_env, "").strip()
        if not url:
            raise SlackAlertError(f"Slack alert not sent: ${self.url_env} ({SETTING}) is not set")
        parts = urlsplit(url)
        loopback = (parts.hostname or "") in ("localhost", "::1") or (parts.hostname or "").startswith("127.")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise SlackAlertError(
                f"Slack alert not sent: ${self.url_env} ({SETTING}) must hold an https:// webhook URL"
            )
        return url
