"""Table maintenance for the local lakehouse: compact small files, delete the files no table version needs.

Why it is needed. Every pipeline update rewrites each materialized view it refreshes and leaves the old files on
disk, unreferenced; every streaming table gets new small files per micro-batch (a ``--watch`` loop updating every
few seconds leaves thousands). So the local lakehouse grew with every run, not with its data, and every
recomputation listed and opened more, smaller files. On Databricks the platform maintains pipeline tables
(predictive optimization or the pipeline's own maintenance task run ``OPTIMIZE`` and ``VACUUM``); locally nothing did.

``callaudit pipeline maintain`` does, for each Delta table of the local warehouse:

1. ``OPTIMIZE`` when its current version reads many files (bin-packing compaction). The commit has
   ``dataChange=false``: no row changes, and streaming readers of the table skip it.
2. ``VACUUM`` when the folder holds files the current version does not read: deletes those that no version inside
   the table's retention reads (``delta.deletedFileRetentionDuration``, a week by default: time travel a week
   back still works). Delta 4 ignores any other ``RETAIN n HOURS`` than 0.

It takes the pipeline's turn (the machine-wide lock a pipeline run holds), so it never races an update.

``--current-only`` (retention 0: "give me my disk back") is refused unless the last pipeline update completed
and nothing has written to a table since — then every streaming flow has read all its source holds, and the
pipeline needs no version but the current one. Time travel is lost, and nothing may read the lakehouse meanwhile
(``callaudit sql`` or the report on an older version would find its files gone).

Maintenance changes files, not rows: when the freshness record (:mod:`callaudit.lakehouse.freshness`) described the
lakehouse before, it is rebased afterwards, so the next ``callaudit pipeline run`` with nothing new is still
skipped instead of recomputing every table.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from callaudit.config import Settings
from callaudit.errors import UserError

COMPACT_MIN_FILES = 8  # a materialized view is written as up to 4 files (spark.sql.shuffle.partitions)
RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"
# VACUUM lists a table's folder with this many Spark tasks (Spark's default, 10,000, made one table's VACUUM take
# minutes of empty tasks on 2 cores); a local table's folder is small
LISTING_PARALLELISM = "spark.sql.sources.parallelPartitionDiscovery.parallelism"


@dataclass(frozen=True)
class Usage:
    files: int  # data files on disk (parquet), read by the current version or not
    bytes: int  # everything in the table's folder except its transaction log


def disk_usage(table_dir: Path) -> Usage:
    files = size = 0
    for dirpath, dirnames, filenames in os.walk(table_dir):
        dirnames[:] = [d for d in dirnames if d != "_delta_log"]
        for name in filenames:
            try:
                size += (Path(dirpath) / name).stat().st_size
            except FileNotFoundError:
                continue
            files += name.endswith(".parquet") and not name.startswith(".")
    return Usage(files, size)


@dataclass
class TableMaintenance:
    name: str
    before: Usage
    after: Usage
    live_files: int  # data files the current version reads
    compacted_from: int = 0  # files OPTIMIZE replaced ...
    compacted_into: int = 0  # ... by this many
    seconds: float = 0.0

    @property
    def deleted(self) -> int:
        return max(self.before.files + self.compacted_into - self.after.files, 0)


@dataclass
class MaintenanceReport:
    retain_hours: float | None  # None: each table's own retention (delta.deletedFileRetentionDuration, a week)
    dry_run: bool
    tables: list[TableMaintenance] = field(default_factory=list)
    seconds: float = 0.0
    rebased: bool = False  # the freshness record was moved to the maintained lakehouse

    @property
    def before(self) -> Usage:
        return Usage(sum(t.before.files for t in self.tables), sum(t.before.bytes for t in self.tables))

    @property
    def after(self) -> Usage:
        return Usage(sum(t.after.files for t in self.tables), sum(t.after.bytes for t in self.tables))

    def lines(self) -> list[str]:
        width = max([len(t.name) for t in self.tables] + [5])
        head = "would delete" if self.dry_run else "deleted"
        out = [f"{'table':<{width}}  files before  compacted   {head:>12}  files after  live    MB before  MB after"]
        for t in self.tables:
            compacted = f"{t.compacted_from}->{t.compacted_into}" if t.compacted_from else "-"
            out.append(f"{t.name:<{width}}  {t.before.files:>12,}  {compacted:>9}  {t.deleted:>12,}  "
                       f"{t.after.files:>11,}  {t.live_files:>4,}  {t.before.bytes / 1e6:>9.2f}  "
                       f"{t.after.bytes / 1e6:>8.2f}")
        b, a = self.before, self.after
        out.append(f"{'all ' + str(len(self.tables)) + ' tables':<{width}}  {b.files:>12,}  {'':>9}  "
                   f"{sum(t.deleted for t in self.tables):>12,}  {a.files:>11,}  "
                   f"{sum(t.live_files for t in self.tables):>4,}  {b.bytes / 1e6:>9.2f}  {a.bytes / 1e6:>8.2f}")
        return out

    @property
    def retention(self) -> str:
        return "the tables' retention (a week)" if self.retain_hours is None else f"{self.retain_hours:g} h"

    def summary(self) -> str:
        b, a = self.before, self.after
        if self.dry_run:
            compact = [t for t in self.tables if t.compacted_from]
            return (f"dry run: {sum(t.deleted for t in self.tables):,} of {b.files:,} data files are read by no "
                    f"version kept for {self.retention}"
                    + (f"; {len(compact)} tables would be compacted" if compact else "")
                    + f"; nothing was changed ({self.seconds:.1f} s)")
        return (f"maintained {len(self.tables)} tables in {self.seconds:.1f} s: {b.files:,} -> {a.files:,} data files, "
                f"{b.bytes / 1e6:.1f} -> {a.bytes / 1e6:.1f} MB (kept: {self.retention})"
                + ("; the tables still count as unchanged for `callaudit pipeline run`" if self.rebased else ""))


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def maintain(settings: Settings, spark=None, *, tables: list[str] | None = None, current_only: bool = False,
             compact: bool = True, min_files: int = COMPACT_MIN_FILES, dry_run: bool = False,
             say: Callable[[str], None] = _err) -> MaintenanceReport:
    """Compact and vacuum the local warehouse's Delta tables (all, or ``tables``); see the module docstring.

    ``current_only``: delete every file the current versions do not read (retention 0), not only those older
    than the tables' retention. ``min_files``: compact a table when its current version reads at least this many
    files. ``spark``: a classic session with Delta (default: a local one, started and stopped here)."""
    from callaudit.lakehouse import freshness
    from callaudit.lakehouse.runner import ConnectPortLock
    from callaudit.lakehouse.runtime import list_tables

    found = list_tables(settings)
    if not found:
        raise UserError(f"no Delta tables under {settings.warehouse}", hint="run `callaudit pipeline run` first.")
    if tables:
        unknown = sorted(set(tables) - set(found))
        if unknown:
            raise UserError(f"no such table: {', '.join(unknown)}", hint=f"tables: {', '.join(found)}", exit_code=2)
        found = {n: p for n, p in found.items() if n in tables}

    def refuse_unless_caught_up(digest: str) -> None:
        if current_only and not dry_run and freshness.recorded_lakehouse(settings) != digest:
            raise UserError(
                "--current-only needs every streaming flow caught up, and the last pipeline update did not complete "
                "(or a table was written since)",
                hint="run `callaudit pipeline run` until it completes, then maintain again; or leave out "
                     "--current-only (files are then kept for the tables' retention, a week).", exit_code=2)

    refuse_unless_caught_up(freshness.lakehouse_digest(settings))  # early: no wait for a running update
    lock = ConnectPortLock()
    lock.acquire(say)
    own_session = spark is None
    try:
        before_digest = freshness.lakehouse_digest(settings)
        refuse_unless_caught_up(before_digest)  # again in our turn: an update may have run while we waited
        if own_session:
            from callaudit.lakehouse.runtime import local_session

            spark = local_session(settings, app_name="callaudit-maintain", register=False)
        report = _run(spark, found, current_only=current_only, compact=compact, min_files=min_files,
                      dry_run=dry_run, say=say)
        if not dry_run:
            report.rebased = freshness.rebase_lakehouse(settings, before_digest)
            _journal(settings, report)
        return report
    finally:
        if own_session and spark is not None:
            spark.stop()
        lock.release()


JOURNAL = "maintenance.jsonl"


def _journal(settings: Settings, report: MaintenanceReport) -> None:
    """One line per maintenance in ``logs/maintenance.jsonl``: when, what it kept, files and bytes before/after."""
    import json

    b, a = report.before, report.after
    line = {"finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "tables": len(report.tables),
            "retain_hours": report.retain_hours, "seconds": round(report.seconds, 1),
            "files_before": b.files, "files_after": a.files, "bytes_before": b.bytes, "bytes_after": a.bytes,
            "compacted": sorted(t.name for t in report.tables if t.compacted_into)}
    settings.logs.mkdir(parents=True, exist_ok=True)
    with open(settings.logs / JOURNAL, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def _run(spark, found: dict[str, Path], *, current_only: bool, compact: bool, min_files: int, dry_run: bool,
         say: Callable[[str], None]) -> MaintenanceReport:
    from delta.tables import DeltaTable

    report = MaintenanceReport(0.0 if current_only else None, dry_run)
    started = time.perf_counter()
    previous = {key: spark.conf.get(key, None) for key in (RETENTION_CHECK, LISTING_PARALLELISM)}
    spark.conf.set(LISTING_PARALLELISM, "4")
    if current_only:
        spark.conf.set(RETENTION_CHECK, "false")  # refused above unless every flow is caught up
    # Delta ignores any RETAIN but 0 and applies the table's delta.deletedFileRetentionDuration (a week by default)
    retain = " RETAIN 0 HOURS" if current_only else ""
    try:
        for i, (name, path) in enumerate(found.items(), 1):
            t0 = time.perf_counter()
            before = disk_usage(path)
            table = DeltaTable.forPath(spark, str(path))
            live = int(table.detail().first()["numFiles"])
            result = TableMaintenance(name, before, before, live_files=live)
            if compact and live >= min_files:
                if dry_run:
                    result.compacted_from = live
                else:
                    metrics = table.optimize().executeCompaction().first()["metrics"]
                    result.compacted_from, result.compacted_into = metrics["numFilesRemoved"], metrics["numFilesAdded"]
                    result.live_files = int(table.detail().first()["numFiles"])
            if before.files > live or result.compacted_into:  # else every data file is read: nothing to delete
                where = f"delta.`{path}`"
                if dry_run:
                    doomed = spark.sql(f"VACUUM {where}{retain} DRY RUN").count()
                    result.after = Usage(before.files - doomed, before.bytes)
                else:
                    spark.sql(f"VACUUM {where}{retain}").collect()
                    result.after = disk_usage(path)
            result.seconds = time.perf_counter() - t0
            report.tables.append(result)
            say(f"[{i}/{len(found)}] {name}: {before.files:,} -> {result.after.files:,} data files "
                f"({result.seconds:.1f} s)")
    finally:
        for key, value in previous.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)
    report.seconds = time.perf_counter() - started
    return report
