"""The quality report: one self-contained HTML page (inline CSS + server-rendered SVG, no script, no network).

>>> from callaudit.config import load_settings
>>> from callaudit.report import build_report
>>> build_report(load_settings(), "report.html", days=30)          # doctest: +SKIP
PosixPath('.../report.html')
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from callaudit.config import Settings

__all__ = ["build_report"]


def build_report(settings: Settings, out_path: str | os.PathLike, days: int = 30, *, end: date | None = None,
                 spark=None, live_refresh: int | None = None) -> Path:
    """Write the quality report for the last ``days`` days (ending ``end``, default today in Bogotá) to
    ``out_path`` and return its absolute path. Works on an empty or half-built lakehouse (the page says what is
    missing). The file is written atomically: a reader never sees half a report."""
    from callaudit.errors import UserError
    from callaudit.report.data import read_report_data
    from callaudit.report.render import render_report

    if days < 1:
        raise UserError(f"--days must be at least 1 (got {days})", exit_code=2)
    out = Path(out_path).expanduser().resolve()
    if out.is_dir():
        raise UserError(f"{out} is a folder", hint="give a file name, e.g. --out report.html", exit_code=2)
    data = read_report_data(settings, days=days, end=end, spark=spark)
    html = render_report(data, live_refresh=live_refresh)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)
    return out
