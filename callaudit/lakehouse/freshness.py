"""Is gold already current? Decide before paying ~20 s of JVM start-up and ~60 s of flows for nothing.

A pipeline update reads four things: the landing zone (calls, recordings, media, reviews), the code and rules
(pipelines/, the callaudit package, udfs/, expectations/, the scorecard, the spec), the pipeline configuration
(``callaudit.*`` keys) and the lakehouse itself (tables and streaming checkpoints). After an update that
COMPLETED, :func:`record` stores a digest of each; before the next update :func:`check` recomputes them. When all
four are equal, nothing new can come out of a run: every streaming table would read no new file and every
materialized view would recompute the same rows — so the run is skipped and says why.

Conservative by construction: any file landed, touched or removed, any edited source or rule, any other setting,
any write to a table (a ``DELETE`` in ``callaudit sql``, a re-score side table, a deleted checkpoint) makes the
digests differ and the update runs. ``--force`` runs anyway. Full refreshes, ``--refresh`` of chosen tables and
dry runs never skip.

**An update that costs what its new data costs.** The landing zone is also digested folder by folder. When new
files in some folders are the *only* difference (code, rules, settings and every table as the last completed
update left them), the update refreshes only the datasets that read those folders, directly or through others
(:func:`callaudit.lakehouse.catalog.downstream`, read from the pipelines' source): an analysts' review CSV refreshes
the five review and calibration tables, not the calls, audits and marts it cannot change.

No dataset reads the clock to decide *what* to compute (timestamps are only stamped on rows), which is what makes
"same inputs → same gold" hold.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from callaudit.config import PROJECT_ROOT, Settings

STATE_NAME = "pipeline_inputs.json"
CODE_DIRS = ("pipelines", "callaudit", "udfs", "expectations")
CODE_SUFFIXES = {".py", ".yml", ".yaml", ".json", ".sql"}


def _listing_digest(root: Path, *, suffixes: set[str] | None = None, content: bool = False,
                    skip_dirs: Iterable[str] = ("__pycache__",), visible_only: bool = False) -> str:
    """Digest of every file under ``root``: relative path + size + mtime (or the bytes, for code).
    ``visible_only``: leave out names starting with ``.`` or ``_`` — Spark's file sources ignore them (locks,
    partial writes), so they are no input."""
    h = hashlib.sha256()  # a missing folder and an empty one are the same input: none
    skip = set(skip_dirs)
    entries = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip and not (visible_only and d[:1] in "._"))
        for name in filenames:
            if visible_only and name[:1] in "._":
                continue
            path = Path(dirpath) / name
            if suffixes is not None and path.suffix not in suffixes:
                continue
            entries.append(path)
    for path in sorted(entries):
        try:
            st = path.stat()
        except FileNotFoundError:  # removed while listing: it will differ next time anyway
            continue
        h.update(str(path.relative_to(root)).encode())
        if content:
            h.update(path.read_bytes())
        else:
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def lakehouse_digest(settings: Settings) -> str:
    """Every table's transaction log and every checkpoint file (names, sizes, times): any write changes it."""
    return hashlib.sha256(
        (_listing_digest(settings.warehouse) + _listing_digest(settings.pipeline_storage)).encode()).hexdigest()


def _code_digest(settings: Settings) -> str:
    import callaudit

    h = hashlib.sha256(getattr(callaudit, "__version__", "").encode())
    for sub in CODE_DIRS:
        h.update(sub.encode() + _listing_digest(PROJECT_ROOT / sub, suffixes=CODE_SUFFIXES, content=True).encode())
    for path in (PROJECT_ROOT / "spark-pipeline.yml", Path(settings.scorecard_path)):
        h.update(path.read_bytes() if path.is_file() else b"absent")
    return h.hexdigest()


def _folder_digests(settings: Settings) -> dict[str, str]:
    from callaudit.contracts import LANDING_DIRS

    return {d: _listing_digest(settings.landing / d, visible_only=True) for d in LANDING_DIRS}


def fingerprint(settings: Settings, configuration: dict[str, str]) -> dict:
    folders = _folder_digests(settings)
    return {
        "landing": hashlib.sha256("".join(folders.values()).encode()).hexdigest(),
        "landing_folders": folders,
        "code": _code_digest(settings),
        "configuration": hashlib.sha256(json.dumps(configuration, sort_keys=True).encode()).hexdigest(),
        "lakehouse": lakehouse_digest(settings),
    }


@dataclass(frozen=True)
class Freshness:
    current: bool
    reason: str  # why a run is needed, or when gold was last brought up to date
    last_update: str | None = None
    inputs: dict | None = None  # the fingerprint just computed (an update that follows reuses it)
    refresh: list[str] | None = None  # when only some landing folders changed: the datasets that read them
    changed_folders: list[str] | None = None


def _state_path(settings: Settings) -> Path:
    return settings.state / STATE_NAME


def check(settings: Settings, configuration: dict[str, str]) -> Freshness:
    path = _state_path(settings)
    if not path.is_file():
        return Freshness(False, "no completed update recorded yet")
    try:
        saved = json.loads(path.read_text())
        before, when = saved["fingerprint"], saved["finished_at"]
    except (ValueError, KeyError, TypeError):
        return Freshness(False, f"{path} is unreadable (it will be rewritten)")
    now = fingerprint(settings, configuration)
    changed = [k for k in ("landing", "code", "configuration", "lakehouse") if before.get(k) != now[k]]
    if changed:
        what = {"landing": "new or changed files in the landing zone", "code": "the pipeline code or rules changed",
                "configuration": "the pipeline settings changed",
                "lakehouse": "a table or checkpoint changed since the last update"}
        if changed == ["landing"] and isinstance(before.get("landing_folders"), dict):
            folders = sorted(d for d, digest in now["landing_folders"].items()
                             if before["landing_folders"].get(d) != digest)
            refresh = _refresh_for(folders)
            if refresh is not None:
                where = ", ".join(f"landing/{d}" for d in folders)
                return Freshness(False, f"new or changed files in the landing zone ({where}): only the {len(refresh)} "
                                        "tables that read them are refreshed", when, now, refresh, folders)
        return Freshness(False, "; ".join(what[k] for k in changed), when, now)
    return Freshness(True, f"nothing landed and no code, rule, setting or table changed since the update that "
                           f"completed at {when}", when, now)


def _refresh_for(folders: list[str]) -> list[str] | None:
    """The datasets to refresh after new files in ``folders``; None = all of them (a whole update)."""
    from callaudit.lakehouse import catalog

    found = catalog.datasets()  # read now, not cached: the code may have changed since the last update
    chosen = catalog.downstream(found, set(folders))
    return None if not chosen or len(chosen) == len(found) else sorted(chosen)


def record(settings: Settings, configuration: dict[str, str], started: dict | None = None) -> None:
    """Store the inputs' digests after an update that COMPLETED (atomically: a crash leaves the old record).

    ``started``: the fingerprint taken when the update began. Its landing and code digests are the ones stored —
    what the update read — so a file that landed while it ran (a webhook, an ingest) is still new input for the
    next check; the lakehouse digest is taken now, after the update wrote its tables."""
    path = _state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    now = fingerprint(settings, configuration)
    if started is not None:
        now.update({k: started[k] for k in ("landing", "landing_folders", "code") if k in started})
    tmp.write_text(json.dumps({"finished_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "fingerprint": now}, indent=1))
    os.replace(tmp, path)


def recorded_lakehouse(settings: Settings) -> str | None:
    """The lakehouse digest the last completed update left (None without a readable record)."""
    try:
        return json.loads(_state_path(settings).read_text())["fingerprint"]["lakehouse"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def rebase_lakehouse(settings: Settings, before: str) -> bool:
    """After a write that changes files but no rows (compaction, removing unreferenced files): when the record
    described the lakehouse as it was (``before``), describe it as it is now, so the next run is not a whole update
    for nothing. Returns whether the record was rebased; a record that was already stale is left as it is."""
    path = _state_path(settings)
    try:
        saved = json.loads(path.read_text())
        if saved["fingerprint"]["lakehouse"] != before:
            return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    saved["fingerprint"]["lakehouse"] = lakehouse_digest(settings)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(saved, indent=1))
    os.replace(tmp, path)
    return True


def forget(settings: Settings) -> None:
    """Drop the record (an update started: until it completes, gold is not known to be current)."""
    _state_path(settings).unlink(missing_ok=True)
