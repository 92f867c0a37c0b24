"""Ingest: page Twilio's Calls and Recordings with the official client and land them (docs/CONTRACTS.md §2).

Guarantees, and how:
- **raw pages byte-for-byte**: the body bytes the client parsed (see :mod:`callaudit.twilio.client`), written
  to ``landing/_tmp`` and moved into place with ``os.replace``: readers never see half a file;
- **incremental with overlap**: ``_state/ingest_state.json`` keeps the latest call ``start_time`` and
  recording ``date_created`` seen; the next run re-reads from that mark minus ``overlap_days`` (floored to the
  UTC day, the granularity Twilio documents), so late status changes and late recordings are read again. The
  state is written only when a run completes: a failed or killed run is simply run again;
- **nothing double-counted**: pages may repeat records across runs (silver keeps one row per sid), but media
  and manifests are keyed by recording sid and skipped when the manifest's size matches the file;
- **no completed recording without its audio**: a recordings page is landed only after the media of its
  completed recordings (and their manifests) are in place;
- **transient failures retried**: 429 / 5xx / timeouts / cut connections, exponential backoff with jitter
  honouring ``Retry-After``, capped attempts, then a :class:`~callaudit.errors.UserError` that says what to do.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import json
import logging
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

from twilio.base import values as twilio_values

from callaudit.config import EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN, Settings, load_settings
from callaudit.errors import UserError
from callaudit.secrets import Secret, get_secret
from callaudit.twilio.client import (
    HttpStatusError,
    IncompleteBody,
    PermanentFailure,
    RetriesExhausted,
    RetryPolicy,
    RetryStats,
    api_base_url,
    build_client,
    with_retries,
)
from callaudit.twilio.resources import AGENT_COLUMNS, API_VERSION, is_sid

log = logging.getLogger("callaudit.twilio.ingest")

STATE_VERSION = 1
DEFAULT_OVERLAP_DAYS = 2
DEFAULT_PAGE_SIZE = 1000
DEFAULT_MEDIA_WORKERS = 4


# ---------------------------------------------------------------------------------------------------------
# state and landing
# ---------------------------------------------------------------------------------------------------------
def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


@dataclass
class IngestState:
    """``landing/_state/ingest_state.json``: high-water marks, only advanced by a completed run."""

    calls_high_water: datetime | None = None  # latest call start_time landed
    recordings_high_water: datetime | None = None  # latest recording date_created landed
    overlap_days: int = DEFAULT_OVERLAP_DAYS
    last_run_id: str | None = None
    last_completed_at: datetime | None = None
    completed_runs: int = 0

    @classmethod
    def load(cls, path: Path) -> IngestState:
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                calls_high_water=_from_iso(data.get("calls_high_water")),
                recordings_high_water=_from_iso(data.get("recordings_high_water")),
                overlap_days=int(data.get("overlap_days", DEFAULT_OVERLAP_DAYS)),
                last_run_id=data.get("last_run_id"),
                last_completed_at=_from_iso(data.get("last_completed_at")),
                completed_runs=int(data.get("completed_runs", 0)),
            )
        except (ValueError, TypeError, AttributeError) as exc:
            raise UserError(
                f"the ingest state {path} is unreadable: {exc}",
                hint="fix it, or delete it to re-read the whole history (silver dedupes repeated records)",
            ) from exc

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": STATE_VERSION,
                "calls_high_water": _iso(self.calls_high_water),
                "recordings_high_water": _iso(self.recordings_high_water),
                "overlap_days": self.overlap_days,
                "last_run_id": self.last_run_id,
                "last_completed_at": _iso(self.last_completed_at),
                "completed_runs": self.completed_runs,
            },
            indent=2,
        ) + "\n"


class Landing:
    """The landing zone's layout and its one way of writing: into ``_tmp`` then ``os.replace``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.calls = self.root / "calls"
        self.recordings = self.root / "recordings"
        self.media = self.root / "media"
        self.media_manifest = self.root / "media_manifest"
        self.reference = self.root / "reference"
        self.reviews = self.root / "reviews"  # analysts' verdicts (callaudit review import / the review page)
        self.surveys = self.root / "surveys"  # post-call survey answers (callaudit surveys import)
        self.state_dir = self.root / "_state"
        self.tmp = self.root / "_tmp"
        self.state_file = self.state_dir / "ingest_state.json"
        self.digests_file = self.state_dir / "record_digests.json"  # sid -> sha256 of the record as last landed

    def load_record_digests(self) -> dict[str, str]:
        try:
            data = json.loads(self.digests_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # none yet, or unreadable: pages are landed (silver dedupes), the file is rewritten
        return data if isinstance(data, dict) else {}

    def create(self) -> None:
        for folder in (self.calls, self.recordings, self.media, self.media_manifest, self.reference,
                       self.reviews, self.surveys, self.state_dir, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)

    def temp_path(self, name: str) -> Path:
        return self.tmp / f"{name}.{uuid.uuid4().hex[:12]}.part"

    def write_atomic(self, target: Path, data: bytes) -> Path:
        tmp = self.temp_path(target.name)
        try:
            with open(tmp, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return target

    @contextlib.contextmanager
    def lock(self, blocking: bool = False) -> Iterator[None]:
        """One writer at a time per landing zone (released by the OS if the process dies). Ingest fails fast when
        another holds it; the webhook receiver (``blocking``) waits its turn."""
        with open(self.state_dir / "ingest.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UserError(f"another ingest is writing to {self.root}",
                                hint="wait for it to finish (or stop it), then run again") from None
            yield

    def clear_partials(self) -> None:
        for leftover in self.tmp.glob("*.part"):
            leftover.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------------------------------------
@dataclass
class IngestSummary:
    run_id: str
    landing: Path
    calls: int = 0  # distinct call sids landed in this run
    recordings: int = 0  # distinct recording sids landed in this run
    call_pages: int = 0
    recording_pages: int = 0
    new_media: int = 0
    media_skipped: int = 0  # already landed with the right size
    media_failed: list[str] = field(default_factory=list)  # permanent errors (e.g. 404): retried next run
    bytes_downloaded: int = 0
    retries: int = 0
    faults_seen: dict[str, int] = field(default_factory=dict)
    calls_since: str | None = None
    recordings_since: str | None = None
    until: str | None = None
    agents_copied: bool = False
    unchanged_pages: int = 0  # every record exactly as already landed: not landed again
    duration_seconds: float = 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["landing"] = str(self.landing)
        return data

    def lines(self) -> list[str]:
        faults = ", ".join(f"{k}: {v}" for k, v in sorted(self.faults_seen.items())) or "none"
        window = f"calls since {self.calls_since or 'the beginning'}, recordings since " \
                 f"{self.recordings_since or 'the beginning'}" + (f", until {self.until}" if self.until else "")
        lines = [
            f"run {self.run_id} -> {self.landing}",
            f"window: {window}",
            f"calls: {self.calls} in {_count(self.call_pages, 'page')}; recordings: {self.recordings} in "
            f"{_count(self.recording_pages, 'page')}"
            + (f" ({self.unchanged_pages} with nothing new, not landed again)" if self.unchanged_pages else ""),
            f"media: {self.new_media} new ({self.bytes_downloaded:,} bytes), {self.media_skipped} already landed"
            + (f", {len(self.media_failed)} unavailable (retried next run)" if self.media_failed else ""),
            f"retries: {self.retries} (faults seen: {faults})",
            f"agent directory: {'copied' if self.agents_copied else 'not copied'}",
            f"duration: {self.duration_seconds:.2f} s",
        ]
        return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def new_run_id(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def _as_date(value: date | str | None, option: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option} '{value}' is not a date", hint=f"use YYYY-MM-DD, e.g. {option} 2024-05-01") from None


def ingest_credentials(base_url: str | None) -> tuple[str, Secret]:
    """TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN from the environment or .env; the emulator's defaults locally."""
    sid = get_secret("TWILIO_ACCOUNT_SID", required=False)
    token = get_secret("TWILIO_AUTH_TOKEN", required=False)
    if sid is None and token is None and base_url:
        return EMULATOR_ACCOUNT_SID, Secret("TWILIO_AUTH_TOKEN", EMULATOR_AUTH_TOKEN)
    if sid is None or token is None:
        missing = " and ".join(name for name, value in (("TWILIO_ACCOUNT_SID", sid), ("TWILIO_AUTH_TOKEN", token))
                               if value is None)
        raise UserError(
            f"{missing} {'is' if ' and ' not in missing else 'are'} not set",
            hint="put TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the environment or the project's .env; "
            "to use the local emulator instead, run `callaudit emulator serve` and set "
            "TWILIO_API_BASE_URL=http://127.0.0.1:8765",
        )
    if not is_sid(sid.reveal(), "AC"):
        raise UserError("TWILIO_ACCOUNT_SID does not look like an Account SID",
                        hint="it is AC followed by 32 hex digits (Twilio console > Account info)")
    return sid.reveal(), token


def _user_error(exc: PermanentFailure | RetriesExhausted, base_url: str | None) -> UserError:
    failure = exc.failure
    where = f"the emulator at {base_url}" if base_url else "api.twilio.com"
    if isinstance(exc, PermanentFailure):
        if failure.status == 401:
            return UserError(f"Twilio rejected the credentials ({failure.code or 20003})",
                             hint="check TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (environment or .env)")
        if failure.status == 404:
            return UserError(f"{where} answered 404 for {exc.what} ({failure.message})",
                             hint="check TWILIO_ACCOUNT_SID and TWILIO_API_BASE_URL")
        return UserError(f"{where} refused {exc.what}: HTTP {failure.status} code {failure.code}: {failure.message}",
                         hint="this is not a transient error; check the request options (--since/--until)")
    hint = ("nothing is lost: landed pages stay and the high-water mark did not move; run `callaudit ingest` "
            "again when Twilio is healthy")
    if failure.label == "connection":
        hint = (f"could not connect to {where}: " + ("is the emulator running (`callaudit emulator serve`)? "
                if base_url else "check the network. ") + hint)
    return UserError(f"Twilio kept failing: {exc}", hint=hint)


def _copy_agents(source: Path, landing: Landing) -> None:
    try:
        with open(source, encoding="utf-8", newline="") as src:
            header = next(csv.reader(src), [])
    except OSError as exc:
        raise UserError(f"cannot read the agent directory {source}: {exc.strerror}",
                        hint="pass the right file with --agents FILE") from exc
    if header != AGENT_COLUMNS:
        raise UserError(f"{source} is not an agent directory (columns {header})",
                        hint=f"its header must be: {','.join(AGENT_COLUMNS)}")
    target, data = landing.reference / "agents.csv", source.read_bytes()
    if target.is_file() and target.read_bytes() == data:
        return  # unchanged: rewriting it would only look like new input to the pipeline
    landing.write_atomic(target, data)


class _Ingest:
    def __init__(self, *, landing: Landing, run_id: str, client, http_client, account_sid: str, token: Secret,
                 base_url: str | None, policy: RetryPolicy, stats: RetryStats, summary: IngestSummary,
                 page_size: int, timeout: float, on_page: Callable[[str, Path], None] | None, progress,
                 record_digests: dict[str, str] | None = None):
        self.landing = landing
        self.record_digests = record_digests if record_digests is not None else {}
        self.run_id = run_id
        self.client = client
        self.http = http_client
        self.account_sid = account_sid
        self.token = token
        self.base_url = base_url
        self.policy = policy
        self.stats = stats
        self.summary = summary
        self.page_size = page_size
        self.timeout = timeout
        self.on_page = on_page
        self.progress = progress
        self.summary_lock = threading.Lock()  # media workers update the summary concurrently

    # -- paging ----------------------------------------------------------------------------------------
    def _pages(self, kind: str, first: Callable):
        """(number, page, raw body) for every page of a list, each request retried."""
        number = 1
        page = with_retries(first, f"{kind} page {number}", self.policy, self.stats)
        while page is not None:
            raw = self.http.take_raw()
            if raw is None or raw.status != 200:
                raise RuntimeError(f"no raw body captured for {kind} page {number}")
            yield number, page, raw.body
            number += 1
            page = with_retries(page.next_page, f"{kind} page {number}", self.policy, self.stats)

    def _land_page(self, kind: str, number: int, body: bytes, page=None) -> Path | None:
        """Land a page, unless every record on it is exactly as already landed (no page at all, or the same
        fields for every sid): the overlap window re-reads records on every run, and such a page adds nothing
        (silver keeps one row per sid) but would look like new input to the pipeline. Returns None when skipped;
        a page with one new or changed record is landed whole, byte for byte."""
        # the client already parsed the body (twilio's Page keeps it as ``_payload``); parse again only without it
        payload = getattr(page, "_payload", None)
        records = (payload if isinstance(payload, dict) else json.loads(body)).get(kind) or []
        digests = {str(r.get("sid")): hashlib.sha256(json.dumps(r).encode()).hexdigest()
                   for r in records}
        if all(self.record_digests.get(sid) == d for sid, d in digests.items()):
            self.summary.unchanged_pages += 1
            return None
        folder = self.landing.calls if kind == "calls" else self.landing.recordings
        path = self.landing.write_atomic(folder / f"{kind}-{self.run_id}-p{number:05d}.json", body)
        self.record_digests.update(digests)
        if self.on_page is not None:
            self.on_page(kind, path)
        return path

    def calls(self, since: str | None, before: str | None) -> datetime | None:
        task = self.progress.add_task("calls", total=None)
        seen: set[str] = set()
        high_water = None

        def first():
            return self.client.api.v2010.account.calls.page(
                start_time_after=since or twilio_values.unset, start_time_before=before or twilio_values.unset,
                page_size=self.page_size)

        for number, page, body in self._pages("calls", first):
            count = 0
            for call in page:
                seen.add(call.sid)
                count += 1
                if call.start_time and (high_water is None or call.start_time > high_water):
                    high_water = call.start_time
            self._land_page("calls", number, body, page)
            self.summary.call_pages = number
            self.progress.advance(task, count)
        self.summary.calls = len(seen)
        return high_water

    def recordings(self, since: str | None, before: str | None, executor: ThreadPoolExecutor | None
                   ) -> datetime | None:
        task = self.progress.add_task("recordings", total=None)
        media_task = self.progress.add_task("media", total=None) if executor else None
        seen: set[str] = set()
        high_water = None

        def first():
            return self.client.api.v2010.account.recordings.page(
                date_created_after=since or twilio_values.unset, date_created_before=before or twilio_values.unset,
                page_size=self.page_size)

        for number, page, body in self._pages("recordings", first):
            downloads: list[Future] = []
            count = 0
            for rec in page:
                seen.add(rec.sid)
                count += 1
                if rec.date_created and (high_water is None or rec.date_created > high_water):
                    high_water = rec.date_created
                if executor is not None and rec.status == "completed":
                    downloads.append(executor.submit(self.download_media, rec.sid, rec.call_sid, rec.channels))
            if downloads:
                wait(downloads, return_when=FIRST_EXCEPTION)
                for future in downloads:
                    if future.done() and future.exception() is not None:
                        for other in downloads:
                            other.cancel()
                        raise future.exception()
                self.progress.advance(media_task, len(downloads))
            # only now: every completed recording on this page has its audio and manifest in place
            self._land_page("recordings", number, body, page)
            self.summary.recording_pages = number
            self.progress.advance(task, count)
        self.summary.recordings = len(seen)
        return high_water

    # -- media -----------------------------------------------------------------------------------------
    def media_url(self, recording_sid: str) -> str:
        return f"{api_base_url(self.base_url)}/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{recording_sid}.wav"

    def download_media(self, recording_sid: str, call_sid: str, channels: int | None) -> None:
        from callaudit.transcription.audio import wav_channels

        target = self.landing.media / f"{recording_sid}.wav"
        manifest_path = self.landing.media_manifest / f"{recording_sid}.json"
        if manifest_path.is_file():
            try:
                landed = json.loads(manifest_path.read_text(encoding="utf-8"))
                if target.is_file() and target.stat().st_size == landed["bytes"]:
                    with self.summary_lock:
                        self.summary.media_skipped += 1
                    return
            except (ValueError, KeyError, OSError):
                pass  # a damaged manifest: download again
        params = {"RequestedChannels": "2"} if channels == 2 else None
        session = self.http.session

        def attempt() -> tuple[Path, int, str, str]:
            tmp = self.landing.temp_path(target.name)
            try:
                with session.get(self.media_url(recording_sid), params=params, stream=True, timeout=self.timeout,
                                 auth=(self.account_sid, self.token.reveal())) as response:
                    if response.status_code != 200:
                        raise HttpStatusError(response.status_code, response.content, response.headers)
                    expected = int(response.headers.get("Content-Length", -1))
                    digest, size = hashlib.sha256(), 0
                    with open(tmp, "wb") as out:
                        for chunk in response.iter_content(64 * 1024):
                            out.write(chunk)
                            digest.update(chunk)
                            size += len(chunk)
                        out.flush()
                        os.fsync(out.fileno())
                    if expected >= 0 and size != expected:
                        raise IncompleteBody(f"{size} of {expected} bytes")
                    return tmp, size, digest.hexdigest(), response.headers.get("Content-Type", "audio/x-wav")
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise

        try:
            tmp, size, sha256, content_type = with_retries(attempt, f"media {recording_sid}", self.policy,
                                                           self.stats)
        except PermanentFailure as exc:
            # e.g. 404: Twilio has no audio for it (yet); the next run tries again (no manifest was written)
            log.warning("media %s unavailable: %s", recording_sid, exc)
            with self.summary_lock:
                self.summary.media_failed.append(recording_sid)
            return
        try:
            actual_channels = wav_channels(tmp.read_bytes())
        except ValueError as exc:  # AudioError: not a WAV at all (a truncated one lands: its error row says so)
            tmp.unlink(missing_ok=True)
            log.warning("media %s is not a WAV file: %s", recording_sid, exc)
            with self.summary_lock:
                self.summary.media_failed.append(recording_sid)
            return
        os.replace(tmp, target)
        manifest = {
            "recording_sid": recording_sid,
            "call_sid": call_sid,
            "path": f"media/{target.name}",
            "channels": actual_channels,
            "bytes": size,
            "sha256": sha256,
            "content_type": content_type,
            "downloaded_at": _iso(datetime.now(UTC)),
        }
        self.landing.write_atomic(manifest_path, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
        with self.summary_lock:
            self.summary.new_media += 1
            self.summary.bytes_downloaded += size


class _NoProgress:
    def add_task(self, *args, **kwargs) -> int:
        return 0

    def advance(self, *args, **kwargs) -> None:
        pass


@contextlib.contextmanager
def _progress(enabled: bool):
    if not enabled:
        yield _NoProgress()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=False) as progress:
        yield progress


def run_ingest(
    settings: Settings | None = None,
    *,
    since: date | str | None = None,
    until: date | str | None = None,
    landing: Path | None = None,
    base_url: str | None = None,
    agents_file: Path | Literal["auto"] | None = "auto",
    download_media: bool = True,
    overlap_days: int | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    media_workers: int = DEFAULT_MEDIA_WORKERS,
    timeout: float = 30.0,
    retry_policy: RetryPolicy | None = None,
    progress: bool = False,
    on_page: Callable[[str, Path], None] | None = None,
) -> IngestSummary:
    """Land new and changed calls, recordings and media; returns what it did.

    ``since``/``until`` (``YYYY-MM-DD``, ``until`` inclusive) override the high-water window for a backfill.
    ``base_url`` defaults to ``settings.twilio_api_base_url`` (unset = api.twilio.com). ``agents_file="auto"``
    copies ``<twilio_data>/agents.csv`` when talking to the local emulator. ``on_page(kind, path)`` is called
    after each landed page (tests use it to kill a run halfway).
    """
    started = time.monotonic()
    settings = settings or load_settings()
    base_url = base_url if base_url is not None else settings.twilio_api_base_url
    since_date, until_date = _as_date(since, "--since"), _as_date(until, "--until")
    if since_date and until_date and until_date < since_date:
        raise UserError(f"--until {until_date} is before --since {since_date}", hint="swap them")
    if not 1 <= page_size <= 1000:
        raise UserError(f"page size {page_size} is out of range", hint="Twilio accepts 1 to 1000")
    landing_zone = Landing(landing or settings.landing)
    landing_zone.create()
    account_sid, token = ingest_credentials(base_url)
    if agents_file == "auto":
        candidate = settings.twilio_data / "agents.csv"
        agents_file = candidate if base_url and candidate.is_file() else None

    with landing_zone.lock():
        landing_zone.clear_partials()
        state = IngestState.load(landing_zone.state_file)
        overlap = timedelta(days=overlap_days if overlap_days is not None else state.overlap_days)

        def window_start(high_water: datetime | None) -> str | None:
            if since_date:
                return since_date.isoformat()
            return (high_water - overlap).date().isoformat() if high_water else None

        before = (until_date + timedelta(days=1)).isoformat() if until_date else None
        run_id = new_run_id()
        summary = IngestSummary(run_id=run_id, landing=landing_zone.root,
                                calls_since=window_start(state.calls_high_water),
                                recordings_since=window_start(state.recordings_high_water),
                                until=until_date.isoformat() if until_date else None)
        policy = retry_policy or RetryPolicy()
        stats = RetryStats()
        client, http_client = build_client(account_sid, token, base_url, timeout=timeout)
        log.info("ingest %s from %s into %s", run_id, api_base_url(base_url), landing_zone.root)
        try:
            if agents_file is not None:
                _copy_agents(Path(agents_file), landing_zone)
                summary.agents_copied = True
            with _progress(progress) as bars, (ThreadPoolExecutor(media_workers, "media") if download_media
                                               else contextlib.nullcontext()) as executor:
                job = _Ingest(landing=landing_zone, run_id=run_id, client=client, http_client=http_client,
                              account_sid=account_sid, token=token, base_url=base_url, policy=policy, stats=stats,
                              summary=summary, page_size=page_size, timeout=timeout, on_page=on_page,
                              progress=bars, record_digests=landing_zone.load_record_digests())
                calls_high = job.calls(summary.calls_since, before)
                recordings_high = job.recordings(summary.recordings_since, before, executor)
        except (PermanentFailure, RetriesExhausted) as exc:
            raise _user_error(exc, base_url) from None
        finally:
            summary.retries = stats.retries
            summary.faults_seen = dict(stats.faults_seen)
            summary.duration_seconds = time.monotonic() - started

        # the run completed: advance the marks (never backwards: a backfill must not rewind them)
        state.calls_high_water = max(filter(None, (state.calls_high_water, calls_high)), default=None)
        state.recordings_high_water = max(filter(None, (state.recordings_high_water, recordings_high)), default=None)
        if overlap_days is not None:
            state.overlap_days = overlap_days
        state.last_run_id = run_id
        state.last_completed_at = datetime.now(UTC)
        state.completed_runs += 1
        # what each landed record looked like, saved with the marks (only when the run completes)
        landing_zone.write_atomic(landing_zone.digests_file, json.dumps(job.record_digests).encode("utf-8"))
        landing_zone.write_atomic(landing_zone.state_file, state.to_json().encode("utf-8"))
        summary.duration_seconds = time.monotonic() - started
        return summary
