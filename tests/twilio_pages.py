"""Tiny builders of Twilio-shaped call/recording records and list pages for backbone tests.

They follow the fields and formats of Twilio's 2010-04-01 API (RFC 2822 dates with +0000, durations as strings),
so bronze/silver see exactly what ingest lands. Randomness is seeded and explicit.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ACCOUNT = "AC" + "0c" * 16


def sid(prefix: str, *parts: object) -> str:
    return prefix + hashlib.md5("|".join(map(str, parts)).encode()).hexdigest()


def rfc2822(dt: datetime | None) -> str | None:
    return None if dt is None else format_datetime(dt.astimezone(UTC).replace(tzinfo=UTC), usegmt=False).replace(
        "-0000", "+0000")


def call(n: int, *, start: datetime, duration: int | None = 60, status: str = "completed", direction: str = "inbound",
         from_: str = "+573001234567", to: str = "+576015550000", parent: str | None = None,
         updated_delta: int = 5, **overrides) -> dict:
    call_sid = overrides.pop("sid", None) or sid("CA", n)
    end = start + timedelta(seconds=duration or 0) if status == "completed" else None
    record = {
        "sid": call_sid, "account_sid": ACCOUNT, "parent_call_sid": parent, "to": to, "to_formatted": to,
        "from": from_, "from_formatted": from_, "phone_number_sid": None, "status": status,
        "start_time": rfc2822(start), "end_time": rfc2822(end),
        "duration": str(duration) if status == "completed" and duration is not None else None,
        "price": "-0.0085" if status == "completed" else None, "price_unit": "USD", "direction": direction,
        "answered_by": None, "api_version": "2010-04-01", "forwarded_from": None, "group_sid": None,
        "caller_name": None, "queue_time": "0", "trunk_sid": None,
        "date_created": rfc2822(start), "date_updated": rfc2822((end or start) + timedelta(seconds=updated_delta)),
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{call_sid}.json",
        "subresource_uris": {"recordings": f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{call_sid}/Recordings.json"},
    }
    record.update(overrides)
    return record


def dial_pair(n: int, *, start: datetime, agent: str, duration: int = 60, status: str = "completed",
              customer: str = "+573001234567") -> list[dict]:
    """An inbound call answered by an agent through <Dial><Client>: parent leg + child leg."""
    parent = call(n, start=start, duration=duration, status=status, from_=customer, to="+576015550000")
    child = call(10_000 + n, start=start + timedelta(seconds=2), duration=max(duration - 2, 0) if duration else None,
                 status=status, direction="outbound-dial", from_="+576015550000", to=f"client:{agent}",
                 parent=parent["sid"])
    return [parent, child]


def recording(call_record: dict, *, status: str = "completed", channels: int = 2, **overrides) -> dict:
    rec_sid = overrides.pop("sid", None) or sid("RE", call_record["sid"])
    record = {
        "sid": rec_sid, "account_sid": ACCOUNT, "api_version": "2010-04-01", "call_sid": call_record["sid"],
        "conference_sid": None, "date_created": call_record["end_time"] or call_record["start_time"],
        "date_updated": call_record["date_updated"], "start_time": call_record["start_time"],
        "duration": call_record["duration"] or "0", "price": "-0.0025", "price_unit": "USD", "status": status,
        "channels": channels, "source": "DialVerb", "error_code": None,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{rec_sid}.json", "encryption_details": None,
        "media_url": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{rec_sid}",
        "subresource_uris": {"transcriptions": f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{rec_sid}/Transcriptions.json"},
    }
    record.update(overrides)
    return record


def page(list_key: str, records: list[dict], page_no: int = 0, page_size: int = 1000) -> dict:
    uri = f"/2010-04-01/Accounts/{ACCOUNT}/{'Calls' if list_key == 'calls' else 'Recordings'}.json?PageSize={page_size}"
    return {
        "first_page_uri": uri + "&Page=0", "end": page_no * page_size + max(len(records) - 1, 0),
        "previous_page_uri": None, list_key: records, "uri": uri + f"&Page={page_no}", "page_size": page_size,
        "start": page_no * page_size, "next_page_uri": None, "page": page_no,
    }


def write_json(path: Path, obj: object | str) -> Path:
    """Atomically write a landing file (like ingest does)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    os.replace(tmp, path)
    return path


def land_page(landing: Path, list_key: str, records: list[dict], name: str, page_no: int = 0) -> Path:
    return write_json(landing / list_key / f"{list_key}-{name}-p{page_no + 1:05d}.json", page(list_key, records, page_no))


def write_agents(landing: Path, rows: list[tuple[str, str, str, str, str, str]]) -> Path:
    path = landing / "reference" / "agents.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["agent_id,identity,name,vendor,team,supervisor,active"] + [",".join(r) + ",true" for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


BASE = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def write_dual_wav(path: Path, agent_lines: list[str], customer_lines: list[str], *, agent_channel: int = 2,
                   gap: float = 0.6, rate: int = 8000) -> float:
    """A small dual-channel 8 kHz PCM16 call: agent and customer alternate, each on their own channel.

    Returns the duration in seconds. Uses the project's espeak-ng TTS (no system packages)."""
    import wave

    import numpy as np
    from callaudit_testkit.synth.tts import speak
    from scipy.signal import resample_poly

    turns = []
    for i in range(max(len(agent_lines), len(customer_lines))):
        if i < len(agent_lines):
            turns.append(("agent", agent_lines[i]))
        if i < len(customer_lines):
            turns.append(("customer", customer_lines[i]))
    chans = {"agent": [], "customer": []}
    t = 0.3
    pieces = []
    for speaker, text in turns:
        pcm, sr = speak(text, voice="es")
        audio = resample_poly(pcm.astype(np.float32), 80, 221)  # 22050 -> 8000 Hz
        pieces.append((speaker, int(t * rate), audio))
        t += len(audio) / rate + gap
    total = int((t + 0.3) * rate)
    for key in chans:
        chans[key] = np.zeros(total, dtype=np.float32)
    for speaker, start, audio in pieces:
        chans[speaker][start:start + len(audio)] += audio
    first, second = (chans["customer"], chans["agent"]) if agent_channel == 2 else (chans["agent"], chans["customer"])
    stereo = np.clip(np.stack([first, second], axis=1), -32768, 32767).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(stereo.tobytes())
    return total / rate


def land_media(landing: Path, rec: dict, data: bytes | None = None, channels: int = 2) -> Path:
    """Put a recording's media file + manifest in the landing zone like ingest does (media first, then manifest)."""
    media = landing / "media" / f"{rec['sid']}.wav"
    if data is not None:
        media.parent.mkdir(parents=True, exist_ok=True)
        media.write_bytes(data)
    body = media.read_bytes()
    manifest = {"recording_sid": rec["sid"], "call_sid": rec["call_sid"], "path": f"media/{rec['sid']}.wav",
                "channels": str(channels), "bytes": str(len(body)), "sha256": hashlib.sha256(body).hexdigest(),
                "content_type": "audio/x-wav", "downloaded_at": "2026-11-20T15:00:00Z"}
    return write_json(landing / "media_manifest" / f"{rec['sid']}.json", manifest)
