"""Which calls each channel has already been told about, so every call is alerted once per channel.

``$CALLAUDIT_HOME/state/alerts_state.json``::

    {"version": 1,
     "channels": {"slack": {"alerted": {"CA…": "2026-11-25T11:00:03Z"}, "last_digest_at": "…", "digests": 3},
                  "email": {…}}}

Per channel, because channels fail independently: if the e-mail went out and the webhook did not, the next run
re-sends only the webhook digest. The file is replaced atomically (``os.replace``) and only after a successful
send, so a crash or a failed delivery never marks a call as alerted.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callaudit.errors import UserError

STATE_FILE = "alerts_state.json"
VERSION = 1


def utc_iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def read_state_file(path: Path, key: str, what: str, hint: str) -> dict[str, Any]:
    """The ``key`` object of a JSON state file (empty when the file does not exist yet); an unreadable file is a
    UserError naming it, never silently reset (that would repeat every alert or ticket)."""
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))[key]
        if not isinstance(value, dict):
            raise TypeError(f"{key} is not an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"the {what} state file {path} is unreadable ({type(exc).__name__}: {exc})",
                        hint=hint) from None
    return value


def write_state_file(path: Path, key: str, value: dict[str, Any]) -> None:
    """Replace the state file atomically (written, synced, then renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"version": VERSION, key: value}, indent=2, sort_keys=True, ensure_ascii=False)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(body + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@dataclass
class AlertState:
    path: Path
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> AlertState:
        return cls(path, read_state_file(path, "channels", "alert",
                                         "fix or move it away; without it every pending call is alerted again."))

    def alerted(self, channel: str) -> set[str]:
        return set(self.channels.get(channel, {}).get("alerted", {}))

    def alerted_anywhere(self) -> set[str]:
        return set().union(*(self.alerted(c) for c in self.channels)) if self.channels else set()

    def last_digest_at(self, channel: str | None = None) -> datetime | None:
        names = [channel] if channel else list(self.channels)
        times = [parse_iso(self.channels.get(n, {}).get("last_digest_at")) for n in names]
        present = [t for t in times if t is not None]
        return max(present) if present else None

    def mark_sent(self, channel: str, call_sids: list[str], when: datetime) -> None:
        entry = self.channels.setdefault(channel, {"alerted": {}, "digests": 0})
        stamp = utc_iso(when)
        for sid in call_sids:
            entry["alerted"].setdefault(sid, stamp)
        entry["last_digest_at"] = stamp
        entry["digests"] = int(entry.get("digests", 0)) + 1

    def save(self) -> None:
        write_state_file(self.path, "channels", self.channels)
