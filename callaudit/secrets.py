"""Secrets: from the environment / ``.env`` locally, from the Databricks secret scope in a workspace.

A :class:`Secret` never shows its value in ``repr``/``str``/f-strings/logs; call :meth:`Secret.reveal` at the
single place that must hand it to a client library.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from callaudit.config import _load_dotenv_once

DEFAULT_SCOPE = "twilio-secrets"

# environment variable -> key inside the Databricks secret scope
SECRET_KEYS = {
    "TWILIO_ACCOUNT_SID": "account_sid",
    "TWILIO_AUTH_TOKEN": "auth_token",
    "AZURE_SPEECH_KEY": "azure_speech_key",
    "AZURE_SPEECH_REGION": "azure_speech_region",
    "CALLAUDIT_ALERT_WEBHOOK_URL": "alert_webhook_url",
    "CALLAUDIT_SMTP_PASSWORD": "smtp_password",
}


class MissingSecretError(RuntimeError):
    """A required secret is not configured. The message says where to put it (never its value)."""


@dataclass(frozen=True)
class Secret:
    name: str
    _value: str

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.name}=****)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __bool__(self) -> bool:
        return bool(self._value)


def _dbutils():
    """``dbutils`` when running inside a Databricks workspace, else None."""
    if "DATABRICKS_RUNTIME_VERSION" not in os.environ:
        return None
    try:  # pragma: no cover - only inside a workspace
        from databricks.sdk.runtime import dbutils  # type: ignore

        return dbutils
    except Exception:  # pragma: no cover
        return None


def get_secret(name: str, *, required: bool = True, scope: str | None = None) -> Secret | None:
    """Look a secret up: environment first, then ``.env``, then the Databricks scope (in a workspace)."""
    _load_dotenv_once()
    value = os.environ.get(name)
    if not value:
        dbutils = _dbutils()
        if dbutils is not None and name in SECRET_KEYS:  # pragma: no cover - workspace only
            scope = scope or os.environ.get("CALLAUDIT_SECRET_SCOPE", DEFAULT_SCOPE)
            try:
                value = dbutils.secrets.get(scope=scope, key=SECRET_KEYS[name])
            except Exception:
                value = None
    if not value:
        if required:
            where = (
                f"the Databricks secret scope '{scope or DEFAULT_SCOPE}' (key '{SECRET_KEYS.get(name, name)}'; "
                "run scripts/setup_databricks_secrets.sh)"
                if _dbutils() is not None
                else "the environment or the project's .env file"
            )
            raise MissingSecretError(f"{name} is not set: put it in {where}.")
        return None
    return Secret(name, value)
