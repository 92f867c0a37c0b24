"""Where digests go: a Slack- or Teams-compatible webhook and/or e-mail over SMTP, with retries.

Retry policy (both channels): up to ``attempts`` tries with exponential backoff on what may heal by itself
(HTTP 5xx and 429, connection errors and timeouts, SMTP 4xx replies); anything else (HTTP 4xx: wrong URL, removed
webhook, rejected payload; SMTP 5xx: bad credentials, refused recipient) fails at once with a readable message.

Secrets: the webhook URL (its path *is* the credential) and the SMTP password are :class:`~callaudit.secrets.Secret`
values, revealed only at the call that needs them. Error messages name the channel and the HTTP status or
exception type, never the URL; any text that comes back from a server is scrubbed of the secret before it is
shown. Stdlib ``urllib`` is used on purpose: it logs nothing (``requests``/``urllib3`` log request paths at DEBUG).
"""

from __future__ import annotations

import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from callaudit.alerts.digest import Digest, email_message, slack_payload, teams_payload
from callaudit.secrets import Secret

USER_AGENT = "callaudit-alerts/1"


class DeliveryError(Exception):
    """A digest could not be delivered on one channel. The message is safe to print (no secret)."""

    def __init__(self, channel: str, message: str, *, retryable: bool, attempts: int = 1):
        super().__init__(f"{channel}: {message}")
        self.channel = channel
        self.retryable = retryable
        self.attempts = attempts


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff_seconds: float = 1.0
    factor: float = 2.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int) -> float:
        return self.backoff_seconds * self.factor ** (attempt - 1)


def _scrub(text: str, secrets: list[str]) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "****")
    return text


def with_retries(channel: str, send: Callable[[], None], policy: RetryPolicy,
                 on_retry: Callable[[str, int, float, DeliveryError], None] | None = None) -> int:
    """Run ``send`` until it succeeds, fails permanently or runs out of attempts; returns the attempts used."""
    for attempt in range(1, policy.attempts + 1):
        try:
            send()
            return attempt
        except DeliveryError as exc:
            if not exc.retryable:
                exc.attempts = attempt
                raise
            if attempt == policy.attempts:
                raise DeliveryError(channel, f"{str(exc).split(': ', 1)[-1]} — gave up after {attempt} attempts",
                                    retryable=True, attempts=attempt) from None
            wait = policy.delay(attempt)
            if on_retry:
                on_retry(channel, attempt, wait, exc)
            policy.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


class Channel:
    id: str
    label: str

    def deliver(self, digest: Digest) -> None:  # one attempt
        raise NotImplementedError

    def preview(self, digest: Digest) -> str:
        raise NotImplementedError


class WebhookChannel(Channel):
    """POST the digest as JSON: Slack Block Kit (``text`` + ``blocks``) or a Teams Adaptive Card message."""

    def __init__(self, url: Secret, kind: str = "slack", timeout: float = 10.0):
        if kind not in ("slack", "teams"):
            raise ValueError(f"unknown webhook kind {kind!r}")
        self.url, self.kind, self.timeout = url, kind, timeout
        self.id = kind
        self.label = f"{'Slack' if kind == 'slack' else 'Teams'} webhook"

    def payload(self, digest: Digest) -> dict:
        return slack_payload(digest) if self.kind == "slack" else teams_payload(digest)

    def preview(self, digest: Digest) -> str:
        return json.dumps(self.payload(digest), ensure_ascii=False, indent=2)

    def deliver(self, digest: Digest) -> None:
        body = json.dumps(self.payload(digest), ensure_ascii=False).encode("utf-8")
        secret = self.url.reveal()
        if not secret.startswith(("https://", "http://")):
            raise DeliveryError(self.label, "the webhook URL must start with https:// (or http:// for a local "
                                "receiver)", retryable=False)
        request = urllib.request.Request(secret, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = _scrub(exc.read(300).decode("utf-8", "replace").strip(), [secret])
            retryable = exc.code >= 500 or exc.code == 429
            hint = "" if retryable else " (not retried: check the webhook URL and that the webhook still exists)"
            raise DeliveryError(self.label, f"HTTP {exc.code}{': ' + detail[:200] if detail else ''}{hint}",
                                retryable=retryable) from None
        except OSError as exc:  # URLError, timeouts, refused or reset connections
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(self.label, f"could not reach the webhook ({type(reason).__name__})",
                                retryable=True) from None


@dataclass
class SmtpConfig:
    host: str
    port: int
    sender: str
    recipients: list[str]
    user: str | None = None
    password: Secret | None = None
    starttls: str = "auto"  # auto (when offered) | true (required) | false
    ssl: bool = False  # implicit TLS (port 465)
    timeout: float = 15.0


class EmailChannel(Channel):
    """One multipart (text + HTML) message per digest to all recipients."""

    id = "email"
    label = "e-mail"

    def __init__(self, config: SmtpConfig):
        self.config = config

    def message(self, digest: Digest):
        return email_message(digest, sender=self.config.sender, recipients=self.config.recipients)

    def preview(self, digest: Digest) -> str:
        m = self.message(digest)
        text = m.get_body(("plain",)).get_content()
        return f"From: {m['From']}\nTo: {m['To']}\nSubject: {m['Subject']}\n\n{text}"

    def deliver(self, digest: Digest) -> None:
        c = self.config
        where = f"SMTP {c.host}:{c.port}"
        secrets = [c.password.reveal()] if c.password else []
        try:
            if c.ssl:
                server: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout,
                                                         context=ssl.create_default_context())
            else:
                server = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            with server:
                server.ehlo()
                encrypted = c.ssl
                if not c.ssl and c.starttls != "false":
                    if server.has_extn("starttls"):
                        server.starttls(context=ssl.create_default_context())
                        server.ehlo()
                        encrypted = True
                    elif c.starttls == "true":
                        raise DeliveryError(self.label, f"{where} does not offer STARTTLS "
                                            "(CALLAUDIT_SMTP_STARTTLS=true)", retryable=False)
                if c.user:
                    if not encrypted and c.host not in ("127.0.0.1", "localhost", "::1"):
                        raise DeliveryError(self.label, f"refusing to send the SMTP password in clear text to "
                                            f"{where}: enable STARTTLS or CALLAUDIT_SMTP_SSL", retryable=False)
                    password = c.password.reveal() if c.password else ""
                    if "PLAIN" in server.esmtp_features.get("auth", "").upper().split():
                        # one mechanism: smtplib's login() would try the next one after a rejection
                        server.user, server.password = c.user, password
                        server.auth("PLAIN", server.auth_plain)
                    else:
                        server.login(c.user, password)
                refused = server.send_message(self.message(digest))
                if refused:
                    raise DeliveryError(self.label, f"{where} refused {len(refused)} recipient(s)",
                                        retryable=False)
        except DeliveryError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(self.label, f"{where} rejected the login for user {c.user!r} (SMTP "
                                f"{exc.smtp_code}); check CALLAUDIT_SMTP_USER / CALLAUDIT_SMTP_PASSWORD",
                                retryable=False) from None
        except smtplib.SMTPResponseException as exc:
            text = _scrub(exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes)
                          else str(exc.smtp_error), secrets)
            raise DeliveryError(self.label, f"{where} answered {exc.smtp_code} {text[:200]}",
                                retryable=400 <= exc.smtp_code < 500) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(self.label, f"{where} refused all {len(exc.recipients)} recipient(s)",
                                retryable=False) from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
            raise DeliveryError(self.label, f"could not talk to {where} ({type(exc).__name__})",
                                retryable=True) from None
