"""Fixtures for the alert tests: real local webhook and SMTP receivers (see alert_receivers.py)."""

from alert_receivers import smtp, webhook  # noqa: F401 - pytest fixtures
